export { planFormation, restartDelayMs, nextCrashCount, CRASH_COUNT_RESET_MS, dynoIndex, UNMANAGED_TYPES } from './plan.ts';
export type { Action, DesiredState, ObservedDyno } from './plan.ts';
export { createProcessManager } from './manager.ts';
export type { ProcessManager, ProcessManagerOptions, AppTarget, ReleaseTarget, WebHealthcheck, DynoStatus, DynoState, PlatformEvent, OneOff, OneOffInput } from './manager.ts';
export { waitForPort } from './health.ts';
export { dynoMetadata, withDynoMetadata } from './dyno-metadata.ts';
