import type { Runtime } from '@platform/types';
import type { DynoTable } from './dyno-table.ts';
import type { ManagerLogger } from './types.ts';

/**
 * Retiring a dyno: out of the router first, then SIGTERM (or SIGHUP for a one-off whose client went away) →
 * `graceMs` → SIGKILL by the runtime, with Heroku's `Stopping all processes with SIGTERM` and, when the grace
 * period runs out, `Error R12 (Exit timeout)` lines in the app's log. Source: Heroku Dev Center, "Dynos"
 * (graceful shutdown with SIGTERM) and "Error Codes" (R12). Resolves once the runtime has stopped it; never throws.
 */
export function createRetire(options: { runtime: Runtime; table: DynoTable; graceMs: number; logger?: ManagerLogger | undefined }) {
  const { runtime, table, graceMs, logger } = options;
  return async function retire(id: string, signal: 'SIGTERM' | 'SIGHUP' = 'SIGTERM'): Promise<void> {
    const t = table.tracked.get(id);
    if (t) {
      t.draining = true;
      table.emit(t.dyno.appId, t.dyno.name, `Stopping all processes with ${signal}`);
      // The router stops sending it requests before it gets the signal.
      await table.publishRoutes(t.dyno.appId);
    }
    const overdue = t
      ? setTimeout(() => {
          if (table.tracked.get(id) !== t) return;
          table.emit(t.dyno.appId, t.dyno.name, `Error R12 (Exit timeout) -> Process failed to exit within ${Math.round(graceMs / 1000)} seconds of ${signal}`);
          table.emit(t.dyno.appId, t.dyno.name, 'Stopping all processes with SIGKILL');
        }, graceMs)
      : undefined;
    await runtime
      .stop(id, { graceMs, signal })
      .catch((err) => logger?.warn({ err, id }, 'stopping a dyno failed'))
      .finally(() => clearTimeout(overdue));
  };
}

export type Retire = ReturnType<typeof createRetire>;
