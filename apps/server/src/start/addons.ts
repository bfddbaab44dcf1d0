import path from 'node:path';
import type { Logger } from 'pino';
import type { AddonProvider } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { createProcessPostgresProvider } from '@platform/addon-postgres-process';
import { createProcessRedisProvider } from '@platform/addon-redis-process';
import type { CleanupStack } from './cleanup-stack.ts';
import type { DataDirs } from './data-dirs.ts';

/**
 * The add-on providers of this runtime. Process mode: PostgreSQL databases on a server of their own in
 * `<data dir>/addons` (started now when add-ons exist, so their apps' dynos find it; otherwise at the first
 * `addons:create`), and a redis-server per Redis add-on in `<data dir>/addons/redis/<id>` (left running by the
 * previous platformd and adopted, or started again). Docker mode has no provider yet: `addons:create` says so. Closed after the dynos stop.
 */
export async function openAddonProviders(
  runtime: 'docker' | 'process',
  deps: { dirs: DataDirs; store: Store; logger: Logger; cleanups: CleanupStack },
): Promise<AddonProvider[]> {
  if (runtime !== 'process') return [];
  const postgres = createProcessPostgresProvider({
    dir: path.join(deps.dirs.root, 'addons'),
    logger: deps.logger.child({ component: 'addon-postgres' }),
  });
  deps.cleanups.defer(() => postgres.close());
  const existing = (await deps.store.addons.all()).filter((a) => a.service === postgres.service && a.provider === postgres.name);
  if (existing.length > 0) {
    // A failure here is logged, not fatal: apps without add-ons keep working, and the next call retries.
    await postgres.start().catch((err: unknown) => deps.logger.error({ err, addons: existing.length }, 'the PostgreSQL server of add-ons did not start'));
  }
  // Redis: a server per add-on, detached so that it outlives platformd; adopted (or started on its data) now.
  const redis = createProcessRedisProvider({ dir: path.join(deps.dirs.root, 'addons'), logger: deps.logger.child({ component: 'addon-redis' }) });
  deps.cleanups.defer(() => redis.close());
  await redis.start().catch((err: unknown) => deps.logger.error({ err }, 'the Redis servers of add-ons did not start'));
  return [postgres, redis];
}
