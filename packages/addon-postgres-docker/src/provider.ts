import type Docker from 'dockerode';
import { reachableUrl } from './reach.ts';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonProvider, type AddonRequest, type AddonStatus } from '@platform/types';
import { createKeptPasswords, databaseExists, ensureDatabase, generatePassword, lockSharedDatabases, postgresUrl, rotatePassword } from '@platform/addon-kit';
import { ADDON_LABEL, PASSWORD_FILE, POSTGRES_PORT, SUPERUSER, addonObjects } from './container.ts';
import { removeContainerAndVolume } from '@platform/docker-kit';
import { createContainer, execInContainer, inspectContainer, startContainer, superuserClient, waitUntilReady } from './engine.ts';
import { sweepOrphanedAddons } from './sweep.ts';
import { joinNetwork, leaveNetwork, reconcileAddonNetworks, type NetworkChanges } from './networks.ts';

/** Where a log line goes (a pino logger fits). */
export interface AddonLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of the docker PostgreSQL provider. */
export interface DockerPostgresOptions {
  docker: Docker;
  /** This platform's id (the `platform.addon.instance` label of what it creates). */
  instance: string;
  /** The PostgreSQL image (`platform/postgres:15-bookworm-1`, built by scripts/build-postgres-image.sh). */
  image: string;
  /** Where the add-on servers' superuser passwords are kept (`<data dir>/addons/docker`, 0700). */
  secretsDir: string;
  /** The network of an app's dynos, created when missing (the docker runtime's per-app or shared network). */
  networkFor(appId: string): Promise<string>;
  /** How long provisioning waits for a new server to accept connections (default 120 s). */
  readyTimeoutMs?: number | undefined;
  /** Memory limit of each add-on container (default 512 MiB). */
  memoryMb?: number | undefined;
  logger?: AddonLogger | undefined;
}

/** The provider, with the methods attachments to other apps need (optional in `AddonProvider`, present here). */
export interface DockerPostgresProvider extends AddonProvider {
  /**
   * Lets another app's dynos reach the add-on: its container joins that app's network with the same alias, so the
   * same URL works there. Idempotent. @throws PLT_ADDON_NOT_FOUND
   */
  connectApp(request: AddonRequest, appId: string): Promise<void>;
  /** Takes the add-on off another app's network (never its owner's). Idempotent. */
  disconnectApp(request: AddonRequest, appId: string): Promise<void>;
  /**
   * At start-up only: removes this instance's add-on containers and volumes whose add-on is not in `liveAddonIds`
   * (a platformd that died mid-destroy left them). Resolves the add-on ids removed.
   */
  sweep(liveAddonIds: ReadonlySet<string>): Promise<string[]>;
  /**
   * At start-up, after `sweep`: puts each add-on's container in `attachedApps` (add-on id → the ids of the other
   * apps it is attached to) on exactly its owner's network and those apps' networks, joining the missing ones and
   * leaving any other. This repairs what a platformd that died between an attachment's row and its `connectApp`
   * (or `disconnectApp`), or a disconnect that failed, left behind: a detached app's dynos still reaching the
   * database, or an attached one's not. An add-on whose container is missing or whose engine call fails is skipped
   * (logged). Resolves what changed.
   *
   *   await provider.reconcileNetworks(new Map([[addonId, [otherAppId]]])) // [{ addonId, joined: [], left: ['platform-app-…'] }]
   */
  reconcileNetworks(attachedApps: ReadonlyMap<string, readonly string[]>): Promise<NetworkChanges[]>;
}

/**
 * PostgreSQL add-ons on the docker runtime: one container per add-on (`platform-addon-<hex>`, from the PostgreSQL
 * image), its cluster on a named volume, on the owning app's network only (no port published; dynos reach it by
 * the container's name), restarted by the engine unless stopped. The platform keeps the server's superuser
 * password; the app gets a role and database of its own (`addon_<hex>`, not a superuser). Everything is named
 * after the add-on's id, so a restarted platformd finds (adopts) its containers; nothing is held open between
 * calls.
 *
 *   const provider = createDockerPostgresProvider({ docker, instance, image, secretsDir, networkFor });
 *   const { url } = await provider.provision({ addonId, plan: 'dev', appId }); // postgres://addon_…@platform-addon-…:5432/addon_…
 */
export function createDockerPostgresProvider(options: DockerPostgresOptions): DockerPostgresProvider {
  const { docker } = options;
  const passwords = createKeptPasswords(options.secretsDir);
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const locks = new Map<string, Promise<unknown>>();
  let closed = false;

  /** One operation at a time per add-on. */
  const serialized = <T>(addonId: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new PlatformError(ErrorCodes.addonProvisionFailed, 'The docker PostgreSQL provider is closed.'));
    const run = (locks.get(addonId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    locks.set(addonId, tail);
    void tail.then(() => locks.get(addonId) === tail && locks.delete(addonId));
    return run;
  };

  /** Runs `fn` on a superuser session of the add-on's running server. */
  const asSuperuser = async <T>(ip: string, password: string, fn: (client: ReturnType<typeof superuserClient>) => Promise<T>): Promise<T> => {
    const client = superuserClient(ip, password);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  /** The add-on's server, created when missing, started when stopped, once it accepts connections. */
  const ensureServer = async (request: AddonRequest): Promise<{ ip: string; password: string }> => {
    const names = addonObjects(request.addonId);
    let state = await inspectContainer(docker, names.container);
    if (state && state.labels[ADDON_LABEL.id] !== request.addonId) {
      throw new PlatformError(ErrorCodes.addonProvisionFailed, `The container ${names.container} is not this add-on's.`);
    }
    let password: string;
    if (!state) {
      if (!request.appId) throw new PlatformError(ErrorCodes.invalidParams, 'A docker add-on needs the id of the app that owns it.');
      password = await passwords.ensure(names.resource);
      const network = await options.networkFor(request.appId);
      const spec = { addonId: request.addonId, appId: request.appId, instance: options.instance, image: options.image, network, memoryMb: options.memoryMb ?? 512 };
      await createContainer(docker, spec, names, password);
      options.logger?.info({ addon: request.addonId, container: names.container, network }, 'add-on container created');
      state = await inspectContainer(docker, names.container);
    } else {
      const kept = await passwords.read(names.resource);
      if (!kept) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The superuser password of ${names.container} is not kept in ${options.secretsDir}.`);
      password = kept;
      if (!state.running) await startContainer(docker, names.container);
    }
    const ip = await waitUntilReady(docker, names.container, password, readyTimeoutMs);
    // initdb has read it: the password file leaves the container's filesystem (no trace in `docker commit`/`export`).
    await execInContainer(docker, names.container, ['rm', '-f', PASSWORD_FILE]);
    return { ip, password };
  };

  const url = (request: AddonRequest, password: string) => {
    const names = addonObjects(request.addonId);
    return postgresUrl({ host: names.container, port: POSTGRES_PORT, name: names.resource, password });
  };

  const provider: DockerPostgresProvider = {
    service: 'postgresql',
    name: 'docker',
    provision: (request) =>
      serialized(request.addonId, async (): Promise<AddonCredentials> => {
        const server = await ensureServer(request);
        const name = addonObjects(request.addonId).resource;
        const password = generatePassword();
        await asSuperuser(server.ip, server.password, async (sql) => {
          await lockSharedDatabases(sql, [SUPERUSER]);
          await ensureDatabase(sql, name, password);
        });
        return { url: url(request, password) };
      }),
    deprovision: (request) =>
      serialized(request.addonId, async () => {
        const names = addonObjects(request.addonId);
        await removeContainerAndVolume(docker, names);
        await passwords.remove(names.resource);
        options.logger?.info({ addon: request.addonId, container: names.container }, 'add-on container and volume removed');
      }),
    rotateCredentials: (request) =>
      serialized(request.addonId, async () => {
        const names = addonObjects(request.addonId);
        if (!(await inspectContainer(docker, names.container))) {
          throw new PlatformError(ErrorCodes.addonNotFound, `The container of add-on ${request.addonId} does not exist.`);
        }
        const server = await ensureServer(request);
        const password = generatePassword();
        await asSuperuser(server.ip, server.password, async (sql) => {
          if (!(await databaseExists(sql, names.resource))) {
            throw new PlatformError(ErrorCodes.addonNotFound, `The database of add-on ${request.addonId} does not exist.`);
          }
          await rotatePassword(sql, names.resource, password);
        });
        return { url: url(request, password) };
      }),
    async status(request): Promise<AddonStatus> {
      const names = addonObjects(request.addonId);
      try {
        const state = await inspectContainer(docker, names.container);
        if (!state) return 'missing';
        const password = await passwords.read(names.resource);
        if (!state.running || !state.ip || !password) return 'unavailable';
        return (await asSuperuser(state.ip, password, (sql) => databaseExists(sql, names.resource))) ? 'available' : 'missing';
      } catch {
        return 'unavailable';
      }
    },
    platformUrl: (_request, url) => reachableUrl(docker, url),
    connectApp: (request, appId) =>
      serialized(request.addonId, async () => {
        const names = addonObjects(request.addonId);
        const state = await inspectContainer(docker, names.container);
        if (!state) throw new PlatformError(ErrorCodes.addonNotFound, `The container of add-on ${request.addonId} does not exist.`);
        const network = await options.networkFor(appId);
        if (network === state.network) return;
        await joinNetwork(docker, { id: state.id, name: names.container }, network);
      }),
    disconnectApp: (request, appId) =>
      serialized(request.addonId, async () => {
        const names = addonObjects(request.addonId);
        const state = await inspectContainer(docker, names.container);
        if (!state) return;
        const network = await options.networkFor(appId);
        if (network === state.network) return; // the owner's network stays
        await leaveNetwork(docker, { id: state.id, name: names.container }, network);
      }),
    sweep: (liveAddonIds) => sweepOrphanedAddons(docker, options.instance, passwords, liveAddonIds),
    async reconcileNetworks(attachedApps) {
      const changes: NetworkChanges[] = [];
      for (const [addonId, appIds] of attachedApps) {
        const changed = await serialized(addonId, async () => {
          const networks = await Promise.all(appIds.map((appId) => options.networkFor(appId)));
          return reconcileAddonNetworks(docker, addonId, networks);
        }).catch((err: unknown) => {
          options.logger?.warn({ err, addon: addonId }, "could not set the add-on container's networks");
          return null;
        });
        if (changed && (changed.joined.length > 0 || changed.left.length > 0)) changes.push(changed);
      }
      return changes;
    },
    async close() {
      // Containers keep running (apps use them); the next platformd adopts them by name.
      closed = true;
      await Promise.all([...locks.values()]);
    },
  };
  return provider;
}

