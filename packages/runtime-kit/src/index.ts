export { DRIVER_VARIABLES, METADATA_VARIABLES, PLATFORM_VARIABLES, isPlatformVariable } from './platform-variables.ts';
export { appEnvironment } from './dyno-env.ts';
export { createLineSplitter, MAX_LINE_CHARS, type LineSplitter } from './line-splitter.ts';
