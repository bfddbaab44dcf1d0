import path from 'node:path';
import type { Logger } from 'pino';
import type { AddonProvider } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { createProcessPostgresProvider } from '@platform/addon-postgres-process';
import type { CleanupStack } from './cleanup-stack.ts';
import type { DataDirs } from './data-dirs.ts';

/**
 * The add-on providers of this runtime. Process mode: PostgreSQL databases on a server of their own in
 * `<data dir>/addons` (when add-ons exist, adopted now if an earlier platformd left it running, else started, so
 * their apps' dynos find it; otherwise started at the first `addons:create`). That server outlives platformd
 * (`keepRunning`): a stop, graceful or kill -9, leaves the databases serving. Docker mode has no provider yet:
 * `addons:create` says so. Closed (let go, not stopped) after the dynos stop.
 */
export async function openAddonProviders(
  runtime: 'docker' | 'process',
  deps: { dirs: DataDirs; store: Store; logger: Logger; cleanups: CleanupStack },
): Promise<AddonProvider[]> {
  if (runtime !== 'process') return [];
  const postgres = createProcessPostgresProvider({
    dir: path.join(deps.dirs.root, 'addons'),
    logger: deps.logger.child({ component: 'addon-postgres' }),
    keepRunning: true,
  });
  deps.cleanups.defer(() => postgres.close());
  const existing = (await deps.store.addons.all()).filter((a) => a.service === postgres.service && a.provider === postgres.name);
  if (existing.length > 0) {
    // A failure here is logged, not fatal: apps without add-ons keep working, and the next call retries.
    await postgres.start().catch((err: unknown) => deps.logger.error({ err, addons: existing.length }, 'the PostgreSQL server of add-ons did not start'));
  }
  return [postgres];
}
