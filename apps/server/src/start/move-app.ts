import { rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import { safeJoin } from '@platform/archive';
import type { Router } from '@platform/types';
import type { AppRecord, Store } from '@platform/store-postgres';
import type { AppLogs } from './app-logs.ts';
import { syncCertificates } from '../services/sni-endpoints.ts';
import { edgeSettingsOf } from '../services/features.ts';

/**
 * ServiceDeps' `moveApp` for a rename: what is keyed by the app's name follows it. The bare repository
 * `repos/<old>.git` moves (none yet before the first push), the router forgets the old host and knows the new one
 * (503 until the dynos restarted under it are up) with the app's custom domains, maintenance switch and
 * certificates, and the log hub's drains move; the old name's log history is
 * dropped (the app's new dynos log under the new name).
 */
export function createMoveApp(deps: { reposDir: string; router: Router; logs: AppLogs; store: Pick<Store, 'apps' | 'drains' | 'domains' | 'sniEndpoints'>; logger: Pick<Logger, 'warn'> }) {
  return async (app: AppRecord, previousName: string): Promise<void> => {
    await rename(safeJoin(deps.reposDir, `${previousName}.git`), safeJoin(deps.reposDir, `${app.name}.git`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await deps.router.removeApp(previousName);
    await deps.router.setRoutes(app.name, []);
    await deps.router.setSettings(app.name, edgeSettingsOf(app));
    await deps.router.setDomains(app.name, (await deps.store.domains.list(app.id)).map((d) => d.hostname));
    // Certificates name their app: the edge gets the set again under the new name.
    await syncCertificates({ store: deps.store, edge: deps.router });
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
