import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { Dyno, StopOptions } from '@platform/types';
import { DEFAULT_STOP_GRACE_MS, createDynoOutputLines, type RuntimeEvents, type RuntimeLogger } from '@platform/runtime-kit';
import type { Launched } from './launched.ts';
import { forgetDyno } from './orphans.ts';
import { signalGroup, waitGroupGone } from './process-group.ts';

/** How long to wait for SIGKILLed processes to disappear before giving up (they are in D state, or zombies). */
const KILL_WAIT_MS = 5_000;
/** After the group is gone, how long stdio may stay open (held by a process that left the group). */
const STDIO_DRAIN_MS = 2_000;

/** A running (or exited, not yet stopped) process dyno as the runtime tracks it. */
export interface DynoEntry {
  dyno: Dyno;
  proc: Launched;
  pgid: number;
  /** The dyno's directory (`<dynosDir>/<id>`), removed by stop. */
  dir: string;
  requested: boolean;
  /** Resolves once the exit was reported (after stdio closed). */
  reported: Promise<void>;
  drainTimer: NodeJS.Timeout | null;
  stopping: Promise<void> | null;
  startDrainTimer(): void;
}

export interface TrackContext {
  events: RuntimeEvents;
  logger?: RuntimeLogger | undefined;
  /** The orphan registry, when the runtime keeps one: the dyno's record is dropped once it has exited. */
  registryDir?: string | undefined;
}

/**
 * Follows a started dyno: its output (when `lines` is the logged child) as `onOutput` lines, its exit as one
 * `onExit` report once stdio has closed (or `STDIO_DRAIN_MS` after the group is gone, when a process that left
 * the group holds it open). A main process that exits on its own takes its group's leftovers with it (SIGKILL).
 */
export function trackDyno(dyno: Dyno, proc: Launched, dir: string, lines: ChildProcess | null, ctx: TrackContext): DynoEntry {
  const { events, logger, registryDir } = ctx;
  const pgid = proc.pid;
  let reportDone!: () => void;
  const entry: DynoEntry = {
    dyno,
    proc,
    pgid,
    dir,
    requested: false,
    reported: new Promise<void>((r) => (reportDone = r)),
    drainTimer: null,
    stopping: null,
    startDrainTimer() {
      // Stdio may be held open by a process that escaped the group (setsid); don't wait forever.
      if (entry.drainTimer) return;
      entry.drainTimer = setTimeout(() => {
        proc.destroyOutput();
        finish();
      }, STDIO_DRAIN_MS);
      entry.drainTimer.unref();
    },
  };

  const output = lines ? createDynoOutputLines(dyno, events.output) : null;
  if (output && lines) {
    lines.stdout!.on('data', (chunk: Buffer) => output.stdout.push(chunk));
    lines.stderr!.on('data', (chunk: Buffer) => output.stderr.push(chunk));
  }

  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let finished = false;
  function finish(): void {
    if (finished) return;
    finished = true;
    if (entry.drainTimer) clearTimeout(entry.drainTimer);
    output?.flush();
    if (registryDir) void forgetDyno(registryDir, dyno.id).catch(() => undefined);
    events.exit({ id: dyno.id, app: dyno.app, name: dyno.name, code: exitCode, signal: exitSignal, requested: entry.requested });
    reportDone();
  }

  proc.onExit((code, signal) => {
    exitCode = code;
    exitSignal = signal;
    dyno.running = false;
    logger?.info({ dyno: dyno.id, app: dyno.app, name: dyno.name, code, signal }, 'dyno exited');
    if (!entry.requested) {
      // The main process is gone on its own: the dyno is over, so are its leftovers.
      signalGroup(pgid, 'SIGKILL');
      entry.startDrainTimer();
    }
    // When requested, stop() owns the group's grace period and starts the drain timer.
  });
  proc.onClose(finish);
  return entry;
}

/**
 * Stops a tracked dyno: the signal (default SIGTERM) to its whole group, up to `graceMs` (default 30 000) for the
 * group to be empty, then SIGKILL. Resolves once the exit was reported, `forget` was called and the dyno's
 * directory is removed. An exited dyno is only cleaned up (its exit was reported already).
 */
export async function stopDyno(
  entry: DynoEntry,
  stopOptions: StopOptions,
  forget: () => void,
  logger?: RuntimeLogger | undefined,
): Promise<void> {
  const id = entry.dyno.id;
  const graceMs = stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS;
  if (entry.dyno.running) {
    entry.requested = true;
    signalGroup(entry.pgid, stopOptions.signal ?? 'SIGTERM');
    if (!(await waitGroupGone(entry.pgid, graceMs))) {
      logger?.warn({ dyno: id, app: entry.dyno.app, name: entry.dyno.name }, 'dyno did not exit within grace; SIGKILL');
      signalGroup(entry.pgid, 'SIGKILL');
      if (!(await waitGroupGone(entry.pgid, KILL_WAIT_MS))) {
        logger?.error({ dyno: id, pgid: entry.pgid }, 'dyno process group still present after SIGKILL');
      }
    }
  }
  entry.startDrainTimer();
  await entry.reported;
  forget();
  await rm(entry.dir, { recursive: true, force: true });
}
