export { createProcessRuntime, type ProcessRuntimeOptions, type RuntimeLogger } from './process-runtime.ts';
export { buildDynoEnv, type DynoEnvInput } from './dyno-env.ts';
export { processStartTime, sweepOrphanedDynos } from './orphans.ts';
