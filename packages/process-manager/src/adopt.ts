import type { Runtime } from '@platform/types';
import type { DynoTable } from './dyno-table.ts';
import type { ManagerLogger } from './types.ts';

/**
 * Takes over the dynos the runtime already runs (after a server restart: docker containers, or process-mode
 * dynos that outlived platformd) as `up`, and publishes their routes. One-off dynos left by a previous server
 * are stopped with SIGHUP: an attached one lost its client and a detached one its time-to-live timer, and
 * neither can be restored.
 */
export async function adoptRunning(options: { runtime: Runtime; table: DynoTable; graceMs: number; logger?: ManagerLogger | undefined }): Promise<void> {
  const { runtime, table, graceMs, logger } = options;
  for (const dyno of await runtime.list()) {
    if (!dyno.running || table.tracked.has(dyno.id)) continue;
    if (dyno.type === 'run' || dyno.type === 'release') {
      logger?.warn({ dyno: dyno.id, app: dyno.app, name: dyno.name }, 'stopping a one-off dyno left by a previous server');
      await runtime.stop(dyno.id, { graceMs, signal: 'SIGHUP' }).catch(() => undefined);
      continue;
    }
    table.nameApp(dyno.appId, dyno.app);
    table.tracked.set(dyno.id, { dyno, state: 'up', since: dyno.startedAt, draining: false });
  }
  await Promise.all([...table.appIds()].map((appId) => table.publishRoutes(appId)));
}
