import {
  aclPasswordHash,
  createKeptPasswords,
  generatePassword,
  planSettings,
  redisServerPid,
  redisUrl,
  renderAclFile,
  setRedisAppPassword,
  withRedisAdmin,
  type RedisAdminTarget,
  type RedisPlanSettings,
} from '@platform/addon-kit';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonRequest, type AddonStatus } from '@platform/types';
import { createAddonServices, sharedProviderParts, type SwarmAddonOptions, type SwarmAddonProvider } from './addon-service.ts';
import type { ServerTunnel } from './tunnel.ts';

const REDIS_PORT = 6379;
/** The image's `redis` user (scripts/redis/Dockerfile gives it fixed ids). */
const REDIS_UID = 999;
/** The ACL file redis-server reads and `ACL SAVE` writes: on the volume, so a rotation outlives a restart. */
const ACL_FILE = '/data/users.acl';

/**
 * redis-server's settings as arguments (nothing secret): every interface of its container (it sits only on app
 * overlays, nothing published), AOF in the `/data` volume, the users of the ACL file, the plan's memory and
 * timeout, DEBUG, MODULE and protected configs off. The same server as the docker provider's `redis.conf`.
 */
export function redisServerArgs(settings: RedisPlanSettings): string[] {
  return [
    '--bind', '0.0.0.0', '--port', String(REDIS_PORT), '--protected-mode', 'yes', '--daemonize', 'no',
    '--dir', '/data', '--appendonly', 'yes', '--appendfsync', 'everysec', '--appenddirname', 'appendonlydir', '--save', '',
    '--aclfile', ACL_FILE, '--enable-debug-command', 'no', '--enable-module-command', 'no', '--enable-protected-configs', 'no',
    '--maxmemory', settings.maxmemory, '--maxmemory-policy', settings.maxmemoryPolicy, '--timeout', String(settings.timeout), '--databases', '16',
  ];
}

/**
 * The service's command: the ACL file comes from the secret at the first start only (later ones keep the volume's,
 * which `ACL SAVE` updates at each rotation), 0600; then redis-server with `redisServerArgs`.
 */
function redisCommand(secret: string, settings: RedisPlanSettings): string[] {
  const script = `umask 077; [ -s ${ACL_FILE} ] || cp "/run/secrets/$1" ${ACL_FILE} || exit 1; shift; exec redis-server "$@"`;
  return ['sh', '-c', script, 'redis-addon', secret, ...redisServerArgs(settings)];
}

/** The swarm Redis provider (addon-service.ts `SwarmAddonProvider`). */
export type SwarmRedisProvider = SwarmAddonProvider;

/**
 * Redis add-ons on the swarm runtime: a Swarm service per add-on (`platform-redis-<hex>`, one replica of the
 * Redis image, restarted by Swarm), its AOF on the named volume `platform-redis-<hex>` of the manager's node (the
 * service is pinned there), on the owning app's overlay only. The users of the docker and process providers
 * (addon-kit's ACL file: the app's `addon_<hex>` and `default`, platformd's `platform`, hashes only), given as a
 * Swarm secret at the first start; platformd's admin password is kept in a 0600 file under `secretsDir`.
 *
 *   const provider = createSwarmRedisProvider({ docker, instance, image, registry, secretsDir, networkFor });
 *   const { url } = await provider.provision({ addonId, plan: 'dev', appId }); // redis://addon_…:…@platform-redis-…:6379
 */
export function createSwarmRedisProvider(options: SwarmAddonOptions): SwarmRedisProvider {
  const services = createAddonServices(options, {
    service: 'redis',
    title: 'Redis',
    port: REDIS_PORT,
    imageHint: 'build it with `bash scripts/build-local-image.sh redis`',
    defaultMemoryBytes: 256 * 1024 * 1024,
    defaultReadyTimeoutMs: 60_000,
  });
  const passwords = createKeptPasswords(options.secretsDir);
  const target = (t: ServerTunnel, password: string): RedisAdminTarget => ({ host: t.host, port: t.port, password });

  const keptPassword = async (addonId: string): Promise<string> => {
    const kept = await passwords.read(services.names(addonId).resource);
    if (!kept) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The admin password of ${services.names(addonId).service} is not kept in ${options.secretsDir}.`);
    return kept;
  };

  /** A fresh app password on the running server, saved to its ACL file (the old one's connections are closed). */
  const newPassword = async (request: AddonRequest, adminPassword: string): Promise<AddonCredentials> => {
    const names = services.names(request.addonId);
    const tunnel = await services.waitReady(request.addonId, async (t) => (await redisServerPid(target(t, adminPassword))) !== null);
    const appPassword = generatePassword();
    await setRedisAppPassword(target(tunnel, adminPassword), ['default', names.resource], aclPasswordHash(appPassword));
    await withRedisAdmin(target(tunnel, adminPassword), (c) => c.call('ACL', 'SAVE'));
    return { url: redisUrl({ host: names.service, port: REDIS_PORT, user: names.resource, password: appPassword }) };
  };

  return {
    service: 'redis',
    name: 'swarm',
    provision: (request) =>
      services.serialized(request.addonId, async () => {
        const settings = planSettings(request.plan); // refuses a bad plan before anything is made
        const names = services.names(request.addonId);
        if (await services.existing(request.addonId)) return newPassword(request, await keptPassword(request.addonId));
        const adminPassword = await passwords.ensure(names.resource);
        // The first ACL file carries a password nobody is given: newPassword sets the app's at once.
        const acl = renderAclFile({ appUser: names.resource, appPassword: generatePassword(), adminPassword });
        const secretFile = { name: names.secret, uid: REDIS_UID, gid: REDIS_UID };
        await services.create(request, { command: redisCommand(names.secret, settings), env: [], dataDir: '/data', secretFile }, acl);
        return newPassword(request, adminPassword);
      }),
    rotateCredentials: (request) =>
      services.serialized(request.addonId, async () => {
        if (!(await services.existing(request.addonId))) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis service of add-on ${request.addonId} does not exist.`);
        return newPassword(request, await keptPassword(request.addonId));
      }),
    async status(request): Promise<AddonStatus> {
      try {
        if (!(await services.existing(request.addonId))) return 'missing';
        const password = await passwords.read(services.names(request.addonId).resource);
        if (!password) return 'unavailable';
        const t = await services.tunnel(request.addonId);
        return (await redisServerPid(target(t, password))) !== null ? 'available' : 'unavailable';
      } catch {
        return 'unavailable';
      }
    },
    ...sharedProviderParts(services, passwords, options.logger),
  };
}
