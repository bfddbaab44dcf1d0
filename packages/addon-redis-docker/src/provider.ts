import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  aclPasswordHash,
  createKeptPasswords,
  generatePassword,
  planSettings,
  redisServerPid,
  redisUrl,
  renderAclFile,
  setRedisAppPassword,
  type RedisAdminTarget,
} from '@platform/addon-kit';
import { containerLogTail, dockerError, dockerStatus, isNotFound, removeContainerAndVolume } from '@platform/docker-kit';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonProvider, type AddonRequest, type AddonStatus } from '@platform/types';
import { ADDON_LABEL, addonObjects, inspectContainer } from './container.ts';
import { createContainer } from './engine.ts';
import { CONFIG_DIR, filesArchive, REDIS_PORT, renderContainerConfig } from './container-files.ts';

/** Where a log line goes (a pino logger fits). */
export interface AddonLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of the docker-runtime Redis provider. */
export interface DockerRedisOptions {
  docker: Docker;
  /** The image from Debian's redis-server (`platform/redis:7-bookworm-1`, `bash scripts/build-local-image.sh redis`). */
  image: string;
  /** This platform's id (the `platform.addon.instance` label of what it creates). */
  instance: string;
  /** Where platformd's admin password of each add-on is kept (`<data dir>/addons/docker-redis`, 0700). */
  secretsDir: string;
  /** The network of an app's dynos, created when missing (the docker runtime's per-app or shared network). */
  networkFor(appId: string): Promise<string>;
  /** Memory limit of a container in bytes (default 256 MiB: the plan's `maxmemory` and the server's own). */
  memoryBytes?: number | undefined;
  /** How long provisioning waits for a new server to answer (default 30 s). */
  readyTimeoutMs?: number | undefined;
  logger?: AddonLogger | undefined;
}

/** The provider, with the methods attachments to other apps and start-up need (optional in `AddonProvider`). */
export interface DockerRedisProvider extends AddonProvider {
  /** Lets another app's dynos reach the add-on: its container joins that app's network under the same alias. Idempotent. @throws PLT_ADDON_NOT_FOUND */
  connectApp(request: AddonRequest, appId: string): Promise<void>;
  /** Takes the add-on off another app's network (never its owner's). Idempotent. */
  disconnectApp(request: AddonRequest, appId: string): Promise<void>;
  /**
   * At start-up only: removes this instance's Redis add-on containers and volumes (and kept passwords) whose add-on
   * is not in `liveAddonIds` (a platformd that died mid-destroy left them). Resolves the add-on ids removed.
   */
  sweep(liveAddonIds: ReadonlySet<string>): Promise<string[]>;
}

/**
 * Redis add-ons on the docker runtime: a container per add-on (`platform-redis-<hex>`) from the `platform/redis`
 * image, on the owning app's dyno network only (no port published; dynos reach it by the container's name), its
 * AOF in a volume of its own. The same users as on the process runtime (addon-kit's ACL file): the app's
 * `addon_<hex>` and `default`, and platformd's `platform`, whose random password is kept in a 0600 file under
 * `secretsDir` (only its hash enters the container). Containers restart with the engine (`unless-stopped`) and
 * outlive platformd: a restarted one finds them by name.
 *
 *   const provider = createDockerRedisProvider({ docker, image, instance, secretsDir, networkFor });
 *   const { url } = await provider.provision({ addonId, plan: 'dev', appId }); // redis://addon_…:…@platform-redis-…:6379
 */
export function createDockerRedisProvider(options: DockerRedisOptions): DockerRedisProvider {
  const { docker } = options;
  const passwords = createKeptPasswords(options.secretsDir);
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const locks = new Map<string, Promise<unknown>>();
  let closed = false;

  /** One operation at a time per add-on. */
  const serialized = <T>(addonId: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new PlatformError(ErrorCodes.addonProvisionFailed, 'The docker Redis provider is closed.'));
    const run = (locks.get(addonId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    locks.set(addonId, tail);
    void tail.then(() => locks.get(addonId) === tail && locks.delete(addonId));
    return run;
  };

  /** Waits until the server answers platformd's admin user on the owning network. */
  const waitReady = async (addonId: string, adminPassword: string): Promise<RedisAdminTarget> => {
    const { container } = addonObjects(addonId);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const state = await inspectContainer(docker, container);
      if (!state) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The container ${container} is gone.`);
      if (state.running && state.ip) {
        const target = { host: state.ip, port: REDIS_PORT, password: adminPassword };
        if ((await redisServerPid(target)) !== null) return target;
      }
      if (Date.now() > deadline || !state.running) {
        const tail = await containerLogTail(docker, container, 10);
        throw new PlatformError(ErrorCodes.addonProvisionFailed, `The Redis container ${container} did not start${tail ? `: ${tail}` : ''}.`);
      }
      await sleep(200);
    }
  };

  /**
   * A fresh app password: the ACL file (hashes only; with redis.conf when `start`) is copied into the container for
   * its restarts, the container started if it is not running, and the password applied to the live server (which
   * closes the app users' connections).
   */
  const newPassword = async (request: AddonRequest, adminPassword: string, start: boolean): Promise<AddonCredentials> => {
    const { user, container } = addonObjects(request.addonId);
    const appPassword = generatePassword();
    const files: Record<string, string> = { 'users.acl': renderAclFile({ appUser: user, appPassword, adminPassword }) };
    if (start) files['redis.conf'] = renderContainerConfig(planSettings(request.plan));
    const handle = docker.getContainer(container);
    await handle.putArchive(await filesArchive(files), { path: CONFIG_DIR }).catch((err: unknown) => {
      throw dockerError('copy a Redis add-on configuration', err);
    });
    if (start && !(await inspectContainer(docker, container))?.running) {
      await handle.start().catch((err: unknown) => {
        if (dockerStatus(err) !== 304) throw dockerError(`start container ${container}`, err);
      });
    }
    const target = await waitReady(request.addonId, adminPassword);
    await setRedisAppPassword(target, ['default', user], aclPasswordHash(appPassword));
    return { url: redisUrl({ host: container, port: REDIS_PORT, user, password: appPassword }) };
  };

  /** The container's state, refused when it is not this add-on's. */
  const existing = async (addonId: string) => {
    const { container } = addonObjects(addonId);
    const state = await inspectContainer(docker, container);
    if (state && state.labels[ADDON_LABEL.id] !== addonId) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The container ${container} is not this add-on's.`);
    return state;
  };

  const keptPassword = async (addonId: string): Promise<string> => {
    const { user, container } = addonObjects(addonId);
    const kept = await passwords.read(user);
    if (!kept) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The admin password of ${container} is not kept in ${options.secretsDir}.`);
    return kept;
  };

  /** Removes the add-on's container, volume and kept password; what is gone already is fine. */
  const removeObjects = async (addonId: string): Promise<void> => {
    await removeContainerAndVolume(docker, addonObjects(addonId));
    await passwords.remove(addonObjects(addonId).user);
  };

  const provider: DockerRedisProvider = {
    service: 'redis',
    name: 'docker',
    provision: (request) =>
      serialized(request.addonId, async () => {
        planSettings(request.plan); // refuses a bad plan before anything is made
        const { user } = addonObjects(request.addonId);
        if (await existing(request.addonId)) return newPassword(request, await keptPassword(request.addonId), true);
        if (!request.appId) throw new PlatformError(ErrorCodes.invalidParams, 'A docker add-on needs the id of the app that owns it.');
        const adminPassword = await passwords.ensure(user);
        const network = await options.networkFor(request.appId);
        const memoryBytes = options.memoryBytes ?? 256 * 1024 * 1024;
        await createContainer(docker, { addonId: request.addonId, appId: request.appId, instance: options.instance, image: options.image, network, memoryBytes });
        options.logger?.info({ addon: request.addonId, network }, 'add-on container created');
        return newPassword(request, adminPassword, true);
      }),
    deprovision: (request) =>
      serialized(request.addonId, async () => {
        await removeObjects(request.addonId);
        options.logger?.info({ addon: request.addonId, container: addonObjects(request.addonId).container }, 'add-on container and volume removed');
      }),
    rotateCredentials: (request) =>
      serialized(request.addonId, async () => {
        if (!(await existing(request.addonId))) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis container of add-on ${request.addonId} does not exist.`);
        return newPassword(request, await keptPassword(request.addonId), false);
      }),
    async status(request): Promise<AddonStatus> {
      try {
        const state = await inspectContainer(docker, addonObjects(request.addonId).container);
        if (!state) return 'missing';
        const password = await passwords.read(addonObjects(request.addonId).user);
        if (!state.running || !state.ip || !password) return 'unavailable';
        return (await redisServerPid({ host: state.ip, port: REDIS_PORT, password })) !== null ? 'available' : 'unavailable';
      } catch {
        return 'unavailable';
      }
    },
    connectApp: (request, appId) =>
      serialized(request.addonId, async () => {
        const { container } = addonObjects(request.addonId);
        const state = await existing(request.addonId);
        if (!state) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis container of add-on ${request.addonId} does not exist.`);
        const network = await options.networkFor(appId);
        if (network === state.network) return;
        try {
          await docker.getNetwork(network).connect({ Container: state.id, EndpointConfig: { Aliases: [container] } });
        } catch (err) {
          // 403 "endpoint … already exists": connected before.
          if (dockerStatus(err) !== 403 && !/already exists/i.test(String((err as Error).message))) throw dockerError(`connect ${container} to ${network}`, err);
        }
      }),
    disconnectApp: (request, appId) =>
      serialized(request.addonId, async () => {
        const { container } = addonObjects(request.addonId);
        const state = await existing(request.addonId);
        if (!state) return;
        const network = await options.networkFor(appId);
        if (network === state.network) return; // the owner's network stays
        await docker
          .getNetwork(network)
          .disconnect({ Container: state.id, Force: true })
          .catch((err: unknown) => {
            if (!isNotFound(err) && !/is not connected/i.test(String((err as Error).message))) throw dockerError(`disconnect ${container} from ${network}`, err);
          });
      }),
    async sweep(liveAddonIds) {
      const filters = { label: [`${ADDON_LABEL.instance}=${options.instance}`, `${ADDON_LABEL.service}=redis`] };
      let ids: string[];
      try {
        const containers = await docker.listContainers({ all: true, filters });
        const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
        ids = [...containers.map((c) => c.Labels?.[ADDON_LABEL.id] ?? ''), ...volumes.map((v) => v.Labels?.[ADDON_LABEL.id] ?? '')];
      } catch (err) {
        throw dockerError('list Redis add-on containers', err);
      }
      const orphans = [...new Set(ids)].filter((id) => id !== '' && !liveAddonIds.has(id));
      for (const id of orphans) await serialized(id, () => removeObjects(id));
      return orphans;
    },
    async close() {
      // Containers keep running (apps use them); the next platformd finds them by name.
      closed = true;
      await Promise.all([...locks.values()]);
    },
  };
  return provider;
}
