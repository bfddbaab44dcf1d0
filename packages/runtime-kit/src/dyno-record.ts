import { constants } from 'node:os';
import { ErrorCodes, PlatformError, type Dyno, type DynoAddress, type DynoSpec } from '@platform/types';

/** Time between the stop signal and SIGKILL when `StopOptions.graceMs` is not given, ms (Heroku's 30 s). */
export const DEFAULT_STOP_GRACE_MS = 30_000;

/**
 * The `Dyno` record of a dyno started from `spec`, running, at `address`.
 *
 *   dynoFromSpec(randomUUID(), spec, { host: '127.0.0.1', port: 40123 })
 */
export function dynoFromSpec(id: string, spec: DynoSpec, address: DynoAddress, startedAt: Date = new Date()): Dyno {
  return {
    id,
    app: spec.app,
    appId: spec.appId,
    releaseId: spec.releaseId,
    releaseVersion: spec.releaseVersion,
    type: spec.type,
    name: spec.name,
    command: spec.command,
    address: { ...address },
    startedAt,
    running: true,
  };
}

/** A copy a caller may keep or change without touching the driver's own record (address and date copied). */
export function copyDyno(dyno: Dyno): Dyno {
  return { ...dyno, address: { ...dyno.address }, startedAt: new Date(dyno.startedAt) };
}

/** The name of signal number `n` (`15` → `SIGTERM`), or undefined for a number the OS does not know. */
export function signalName(n: number): NodeJS.Signals | undefined {
  return (Object.entries(constants.signals) as Array<[NodeJS.Signals, number]>).find(([, v]) => v === n)?.[0];
}

/** PLT_RUNTIME_UNAVAILABLE for a start on a closed runtime: `The <kind> runtime is closed.` */
export function runtimeClosedError(kind: string): PlatformError {
  return new PlatformError(ErrorCodes.runtimeUnavailable, `The ${kind} runtime is closed.`);
}
