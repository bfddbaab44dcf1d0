export { createLocalBuilder } from './local-builder.ts';
export type { LocalBuilderOptions } from './local-builder.ts';
export { runScript } from './run-script.ts';
export type { RunScriptOptions, RunScriptResult } from './run-script.ts';
export { sweepBuildWorkspaces } from './sweep.ts';
