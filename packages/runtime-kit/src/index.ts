export { DRIVER_VARIABLES, METADATA_VARIABLES, PLATFORM_VARIABLES, isPlatformVariable } from './platform-variables.ts';
export { appEnvironment, dynoEnvironment, type DynoEnvironmentInput } from './dyno-env.ts';
export { createLineSplitter, MAX_LINE_CHARS, type LineSplitter } from './line-splitter.ts';
export { createDynoOutputLines, type DynoOutputLines } from './dyno-output.ts';
export { MIN_DYNO_MEMORY_MB, validateDynoSpec, type SpecRequirements } from './dyno-spec.ts';
export { IMAGE_APP_DIR, IMAGE_LAUNCH_SCRIPT, SLUG_LAUNCH_SCRIPT, launchArgv } from './launch.ts';
export { createListenerSet, createRuntimeEvents, type ListenerSet, type RuntimeEvents } from './listeners.ts';
export { DEFAULT_STOP_GRACE_MS, copyDyno, dynoFromSpec, runtimeClosedError, signalName } from './dyno-record.ts';
export type { RuntimeLogger } from './runtime-logger.ts';
