import { nextCrashCount, restartDelayMs } from './plan.ts';

export interface CrashBackoffOptions {
  /** Upper bound of one restart delay, ms (see `restartDelayMs`). */
  backoffCapMs?: number | undefined;
  /** A dyno up this long before it crashes starts its count afresh, ms (default 10 min). */
  crashResetMs?: number | undefined;
  /** Called when an app's delayed restart is due. */
  onDue(appId: string): void;
}

/**
 * Crash restarts with backoff, per formation slot (`appId/name`): how many times the slot has crashed, the
 * earliest time it may start again, and one pending timer per app that reconverges it then. Heroku restarts a
 * crashed dyno at once, then waits up to 20 minutes between attempts; ours restarts at once, then after 1 s,
 * doubling up to `backoffCapMs`
 * (plan.ts has the arithmetic, table-tested).
 */
export function createCrashBackoff(options: CrashBackoffOptions) {
  const counts = new Map<string, number>();
  const notBefore = new Map<string, number>();
  const timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  let closed = false;

  const key = (appId: string, name: string) => `${appId}/${name}`;

  /** One timer per app, for the earliest slot due: a later crash never postpones an earlier restart. */
  function schedule(appId: string, delayMs: number) {
    if (closed) return;
    const at = Date.now() + delayMs;
    const current = timers.get(appId);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      timers.delete(appId);
      options.onDue(appId);
    }, delayMs);
    timer.unref();
    timers.set(appId, { timer, at });
  }

  /** Counts one failure of the slot and schedules its app's restart; `upForMs` (null: never up) resets a long-lived slot. */
  function record(appId: string, name: string, upForMs: number | null): number {
    const k = key(appId, name);
    const previous = counts.get(k) ?? 0;
    const count = upForMs === null ? previous + 1 : nextCrashCount(previous, upForMs, options.crashResetMs);
    counts.set(k, count);
    const delay = restartDelayMs(count, options.backoffCapMs);
    notBefore.set(k, Date.now() + delay);
    schedule(appId, delay);
    return delay;
  }

  return {
    /** A dyno exited unexpectedly after `upForMs` up: returns the delay before its restart, ms. */
    crashed: (appId: string, name: string, upForMs: number) => record(appId, name, upForMs),
    /** A replacement could not boot (R10): counts like a crash without the reset. */
    bootFailed: (appId: string, name: string) => record(appId, name, null),
    /**
     * True while the slot's restart delay has not passed at `now`; the app's reconcile is then (re)scheduled for
     * when it has. (A timer may fire a millisecond before `Date.now()` says its delay is over: without this, such a
     * slot would wait for the periodic tick.)
     */
    waiting(appId: string, name: string, now: number): boolean {
      const due = notBefore.get(key(appId, name)) ?? 0;
      if (due <= now) return false;
      schedule(appId, due - now);
      return true;
    },
    /** A new release or a manual restart starts every slot of the app afresh. */
    reset(appId: string) {
      for (const k of [...counts.keys(), ...notBefore.keys()]) {
        if (!k.startsWith(`${appId}/`)) continue;
        counts.delete(k);
        notBefore.delete(k);
      }
    },
    /** No delayed restart of the app happens after this (the app is being removed). */
    cancel(appId: string) {
      clearTimeout(timers.get(appId)?.timer);
      timers.delete(appId);
    },
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
    },
  };
}

export type CrashBackoff = ReturnType<typeof createCrashBackoff>;
