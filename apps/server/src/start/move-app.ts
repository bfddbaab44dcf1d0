import { rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import { safeJoin } from '@platform/archive';
import type { Router } from '@platform/router';
import type { AppRecord, Store } from '@platform/store-postgres';
import type { AppLogs } from './app-logs.ts';

/**
 * ServiceDeps' `moveApp` for a rename: what is keyed by the app's name follows it. The bare repository
 * `repos/<old>.git` moves (none yet before the first push), the router forgets the old host and knows the new one
 * (503 until the dynos restarted under it are up), and the log hub's drains move; the old name's log history is
 * dropped (the app's new dynos log under the new name).
 */
export function createMoveApp(deps: { reposDir: string; router: Pick<Router, 'removeApp' | 'setRoutes'>; logs: AppLogs; store: Pick<Store, 'drains'>; logger: Pick<Logger, 'warn'> }) {
  return async (app: AppRecord, previousName: string): Promise<void> => {
    await rename(safeJoin(deps.reposDir, `${previousName}.git`), safeJoin(deps.reposDir, `${app.name}.git`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    deps.router.removeApp(previousName);
    deps.router.setRoutes(app.name, []);
    deps.logs.forgetId(app.id);
    for (const d of await deps.store.drains.list(app.id)) {
      deps.logs.hub.removeDrain(previousName, d.id);
      try {
        deps.logs.hub.addDrain(app.name, { id: d.id, url: d.url, token: d.token });
      } catch (err) {
        deps.logger.warn({ app: app.name, drain: d.id, err }, 'log drain not moved to the renamed app');
      }
    }
    deps.logs.hub.forgetApp(previousName);
  };
}
