import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonProvider, type AddonRequest, type AddonStatus } from '@platform/types';
import { keptPort, keptSecret, systemAccount, writeFileAtomic } from './files.ts';
import {
  aclPasswordHash,
  addonResourceName,
  generatePassword,
  planSettings,
  redisServerPid as serverPid,
  redisUrl,
  renderAclFile,
  setRedisAppPassword as setAppPassword,
} from '@platform/addon-kit';
import { renderRedisConfig } from './redis-config.ts';
import type { RunAs } from './server.ts';
import { createSupervisor, type AddonLogger, type ServerFiles } from './supervisor.ts';

/** Options of the process-runtime Redis provider. */
export interface ProcessRedisOptions {
  /** `<data dir>/addons`: each add-on's server lives in `redis/<id>/`. */
  dir: string;
  /** The host apps' URLs name (default `127.0.0.1`: process-mode dynos share the host's network). */
  host?: string | undefined;
  /** The redis-server program (default `redis-server`, from Debian's package, found on PATH). */
  binary?: string | undefined;
  /** Who the servers run as; default: Debian's `redis` user when platformd is root, else platformd's user. */
  runAs?: RunAs | null | undefined;
  /** How often a dead server is noticed and started again (default 2000 ms). */
  checkIntervalMs?: number | undefined;
  logger?: AddonLogger | undefined;
}

/** The provider, plus what platformd and tests need beyond `AddonProvider`. */
export interface ProcessRedisProvider extends AddonProvider {
  /** Adopts the running server of every existing add-on, or starts it again on its data; then supervises them. */
  start(): Promise<void>;
  /** Stops every add-on's server (data kept). `close()` leaves them running, for the next platformd to adopt. */
  stopServers(): Promise<void>;
  /** The pid of an add-on's running server, or null. */
  serverPid(request: AddonRequest): Promise<number | null>;
}

/**
 * Redis add-ons on the process runtime: a redis-server of its own per add-on (the isolation unit: Redis has no
 * per-database users worth relying on), bound to 127.0.0.1 on a port chosen once, with AOF persistence in
 * `<dir>/redis/<id>/data`. The app's user `addon_<id>` (and `default`, for clients that send only a password)
 * may run every command but the `@admin` ones; platformd administers it as `platform`. Servers are detached:
 * they keep serving while platformd restarts, and the next `start()` adopts them (pidfile, a redis-server
 * working in its data directory, the same pid reported over the admin connection) or starts them on their data.
 *
 *   const provider = createProcessRedisProvider({ dir: '/var/lib/platform/addons' });
 *   const { url } = await provider.provision({ addonId, plan: 'dev' }); // redis://addon_…:…@127.0.0.1:…
 */
export function createProcessRedisProvider(options: ProcessRedisOptions): ProcessRedisProvider {
  const host = options.host ?? '127.0.0.1';
  const root = path.join(options.dir, 'redis');
  let runAs: Promise<RunAs | null> | null = null;
  let closed = false;

  const account = (): Promise<RunAs | null> => {
    if (options.runAs !== undefined) return Promise.resolve(options.runAs);
    runAs ??= (async () => {
      if (process.getuid?.() !== 0) return null;
      const redis = await systemAccount('redis');
      if (!redis) throw new PlatformError(ErrorCodes.addonProvisionFailed, "No `redis` system user: install Debian's redis-server (bash scripts/prerequisites.sh server).");
      return redis;
    })();
    return runAs;
  };
  const servers = createSupervisor({ root, binary: options.binary ?? 'redis-server', account, checkIntervalMs: options.checkIntervalMs ?? 2000, logger: options.logger });

  /** The add-on's files; the id is checked first (only a UUID names a directory). */
  const filesOf = (request: AddonRequest): ServerFiles => {
    addonResourceName(request.addonId);
    return servers.files(request.addonId);
  };

  const usable = () => {
    if (closed) throw new PlatformError(ErrorCodes.addonProvisionFailed, 'The Redis add-on provider is closed.');
  };

  const prepareRoot = async () => {
    await mkdir(root, { recursive: true, mode: 0o711 });
    // As root the servers run as `redis`, which must pass through these to reach its own directory.
    if (process.getuid?.() === 0) for (const dir of [options.dir, root]) await chmod(dir, 0o711);
  };

  /** Writes the users with a fresh app password and applies them to the server, started if need be. */
  const newPassword = async (request: AddonRequest, files: ServerFiles): Promise<AddonCredentials> => {
    const user = addonResourceName(request.addonId);
    const appPassword = generatePassword();
    const acl = renderAclFile({ appUser: user, appPassword, adminPassword: await keptSecret(files.adminPassword) });
    await writeFileAtomic(files.acl, acl, await account());
    await servers.ensureRunning(request.addonId);
    const target = await servers.adminTarget(files);
    await setAppPassword(target, ['default', user], aclPasswordHash(appPassword));
    return { url: redisUrl({ host, port: target.port, user, password: appPassword }) };
  };

  return {
    service: 'redis',
    name: 'process',
    async provision(request) {
      usable();
      const files = filesOf(request);
      const settings = planSettings(request.plan);
      return servers.locked(request.addonId, async () => {
        await prepareRoot();
        const owner = await account();
        await mkdir(files.data, { recursive: true, mode: 0o700 });
        await chmod(files.dir, 0o700);
        if (owner) for (const dir of [files.dir, files.data]) await chown(dir, owner.uid, owner.gid);
        const port = await keptPort(files.port);
        await writeFileAtomic(files.config, renderRedisConfig(files, port, settings), owner);
        return newPassword(request, files);
      });
    },
    async deprovision(request) {
      const files = filesOf(request);
      await servers.locked(request.addonId, async () => {
        await servers.stop(request.addonId);
        await rm(files.dir, { recursive: true, force: true });
      });
    },
    async rotateCredentials(request) {
      usable();
      const files = filesOf(request);
      return servers.locked(request.addonId, async () => {
        if (!existsSync(files.config)) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis server of add-on ${request.addonId} does not exist.`);
        return newPassword(request, files);
      });
    },
    async status(request): Promise<AddonStatus> {
      const files = filesOf(request);
      if (!existsSync(files.config)) return 'missing';
      try {
        return (await serverPid(await servers.adminTarget(files))) !== null ? 'available' : 'unavailable';
      } catch {
        return 'unavailable';
      }
    },
    async serverPid(request) {
      filesOf(request);
      return servers.pidOf(request.addonId);
    },
    async start() {
      usable();
      await prepareRoot();
      for (const id of await servers.existing()) {
        await servers.locked(id, () => servers.ensureRunning(id)).catch((err: unknown) => {
          options.logger?.error({ err, addon: id }, 'the Redis server of an add-on did not start; retrying in the background');
          servers.watch(id);
        });
      }
    },
    async stopServers() {
      for (const id of await servers.existing()) await servers.locked(id, () => servers.stop(id));
    },
    async close() {
      closed = true;
      await servers.close();
    },
  };
}
