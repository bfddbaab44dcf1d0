import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  aclPasswordHash,
  addonResourceName,
  generatePassword,
  planSettings,
  redisServerPid,
  redisUrl,
  renderAclFile,
  setRedisAppPassword,
  type RedisAdminTarget,
} from '@platform/addon-kit';
import { dockerError, isNotFound } from '@platform/docker-kit';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonProvider, type AddonRequest, type AddonStatus } from '@platform/types';
import { CONFIG_DIR, filesArchive, REDIS_PORT, renderContainerConfig } from './container-files.ts';

/** Options of the docker-runtime Redis provider. */
export interface DockerRedisOptions {
  docker: Docker;
  /** The image built by scripts/prepare-docker-host.sh from Debian's redis-server, e.g. `platform/redis:7-bookworm-1`. */
  image: string;
  /** This platform's id: the `platform.managed` label of everything it creates on the engine. */
  instance: string;
  /** A secret platformd's admin password of each add-on is derived from (HMAC by add-on id); never in a container. */
  adminSecret: string;
  /** The Docker network an add-on's container joins: its app's dyno network, so only that app's dynos reach it. */
  networkFor(addonId: string): Promise<string>;
  /** Memory limit of a container in bytes (default 256 MiB: the plan's `maxmemory` and the server's own). */
  memoryBytes?: number | undefined;
}

/** Labels of an add-on's container and volume. */
export const ADDON_LABELS = { managed: 'platform.managed', addonId: 'platform.addon-id', service: 'platform.addon-service' } as const;

/**
 * Redis add-ons on the docker runtime: a container per add-on from the `platform/redis` image, on its app's
 * dyno network with no port published on the host, its AOF in a volume of its own (`platform-redis-<id hex>`).
 * The same users as on the process runtime (addon-kit's ACL file): the app's `addon_<id>` and `default`, and
 * platformd's `platform`, whose password is derived from `adminSecret`. The URL names the container
 * (`redis://addon_…:…@platform-redis-<id hex>:6379`), which Docker's DNS resolves on that network. Containers
 * restart with the engine (`unless-stopped`) and outlive platformd: nothing needs adopting.
 *
 *   const provider = createDockerRedisProvider({ docker, image, instance, adminSecret, networkFor });
 *   const { url } = await provider.provision({ addonId, plan: 'dev' });
 */
export function createDockerRedisProvider(options: DockerRedisOptions): AddonProvider {
  const names = (addonId: string) => {
    const resource = addonResourceName(addonId); // validates the id
    const name = `platform-redis-${resource.slice('addon_'.length)}`;
    return { user: resource, container: name, volume: name };
  };
  const adminPassword = (addonId: string) => createHmac('sha256', options.adminSecret).update(`redis-admin:${addonId}`).digest('base64url');
  const labels = (addonId: string) => ({ [ADDON_LABELS.managed]: options.instance, [ADDON_LABELS.addonId]: addonId, [ADDON_LABELS.service]: 'redis' });

  /** The container's state and address on its network, or null when there is no container. */
  const inspect = async (addonId: string): Promise<{ running: boolean; address: string | null } | null> => {
    try {
      const info = await options.docker.getContainer(names(addonId).container).inspect();
      const address = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress ?? null;
      return { running: info.State.Running, address };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw dockerError('inspect a Redis add-on container', err);
    }
  };

  const adminTarget = async (addonId: string): Promise<RedisAdminTarget> => {
    const found = await inspect(addonId);
    if (!found?.address) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis container of add-on ${addonId} is not running.`);
    return { host: found.address, port: REDIS_PORT, password: adminPassword(addonId) };
  };

  const createContainer = async (request: AddonRequest): Promise<void> => {
    const { container, volume } = names(request.addonId);
    await options.docker.createVolume({ Name: volume, Labels: labels(request.addonId) }).catch((err: unknown) => {
      throw dockerError('create a Redis add-on volume', err);
    });
    await options.docker
      .createContainer({
        name: container,
        Image: options.image,
        Labels: labels(request.addonId),
        HostConfig: {
          NetworkMode: await options.networkFor(request.addonId),
          Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }],
          RestartPolicy: { Name: 'unless-stopped' },
          Memory: options.memoryBytes ?? 256 * 1024 * 1024,
          PidsLimit: 256,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
        },
      })
      .catch((err: unknown) => {
        throw dockerError('create a Redis add-on container', err, { image: options.image });
      });
  };

  /** Waits until the server answers platformd's admin user. */
  const waitReady = async (addonId: string): Promise<RedisAdminTarget> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = await inspect(addonId);
      if (found?.address) {
        const target = { host: found.address, port: REDIS_PORT, password: adminPassword(addonId) };
        if ((await redisServerPid(target)) !== null) return target;
      }
      if (Date.now() > deadline || (found && !found.running)) {
        const logs = await options.docker.getContainer(names(addonId).container).logs({ stdout: true, stderr: true, tail: 10 }).catch(() => '');
        throw new PlatformError(ErrorCodes.addonProvisionFailed, `The Redis container of add-on ${addonId} did not start: ${String(logs).trim()}`);
      }
      await sleep(200);
    }
  };

  /** New users with a fresh app password: written into the container (for its restarts) and applied to the server. */
  const newPassword = async (request: AddonRequest, start: boolean): Promise<AddonCredentials> => {
    const { user, container } = names(request.addonId);
    const appPassword = generatePassword();
    const files: Record<string, string> = { 'users.acl': renderAclFile({ appUser: user, appPassword, adminPassword: adminPassword(request.addonId) }) };
    if (start) files['redis.conf'] = renderContainerConfig(planSettings(request.plan));
    const handle = options.docker.getContainer(container);
    await handle.putArchive(await filesArchive(files), { path: CONFIG_DIR }).catch((err: unknown) => {
      throw dockerError('copy a Redis add-on configuration', err);
    });
    if (start && !(await inspect(request.addonId))?.running) await handle.start();
    const target = await waitReady(request.addonId);
    await setRedisAppPassword(target, ['default', user], aclPasswordHash(appPassword));
    return { url: redisUrl({ host: container, port: REDIS_PORT, user, password: appPassword }) };
  };

  return {
    service: 'redis',
    name: 'docker',
    async provision(request) {
      planSettings(request.plan);
      if (!(await inspect(request.addonId))) await createContainer(request);
      return newPassword(request, true);
    },
    async deprovision(request) {
      const { container, volume } = names(request.addonId);
      await options.docker.getContainer(container).remove({ force: true, v: true }).catch((err: unknown) => {
        if (!isNotFound(err)) throw dockerError('remove a Redis add-on container', err);
      });
      await options.docker.getVolume(volume).remove().catch((err: unknown) => {
        if (!isNotFound(err)) throw dockerError('remove a Redis add-on volume', err);
      });
    },
    async rotateCredentials(request) {
      if (!(await inspect(request.addonId))) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis container of add-on ${request.addonId} does not exist.`);
      return newPassword(request, false);
    },
    async status(request): Promise<AddonStatus> {
      try {
        if (!(await inspect(request.addonId))) return 'missing';
        return (await redisServerPid(await adminTarget(request.addonId))) !== null ? 'available' : 'unavailable';
      } catch {
        return 'unavailable';
      }
    },
    async close() {
      // Nothing held open: the containers run on their own.
    },
  };
}
