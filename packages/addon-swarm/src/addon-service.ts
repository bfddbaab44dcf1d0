import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { KeptPasswords } from '@platform/addon-kit';
import { dockerError } from '@platform/docker-kit';
import { ErrorCodes, PlatformError, type AddonProvider, type AddonRequest } from '@platform/types';
import { SWARM_ADDON_LABEL, registryImage, swarmAddonLabels, swarmAddonObjects, swarmAddonServiceSpec, type ServerSpec, type SwarmAddonObjects, type SwarmAddonService } from './objects.ts';
import { currentTask, ensureSecret, inspectService, localNodeId, networkId, pushAddonImage, removeServiceObjects, serviceLogTail, updateServiceNetworks } from './swarm-engine.ts';
import { openTunnel, type ServerTunnel } from './tunnel.ts';

/** Where a log line goes (a pino logger fits). */
export interface AddonLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** What both swarm providers are given. */
export interface SwarmAddonOptions {
  /** A dockerode client of a swarm manager (the engine platformd talks to). */
  docker: Docker;
  /** This platform's id (the `platform.addon.instance` label of what it creates). */
  instance: string;
  /** The server image as the manager's engine names it (`platform/postgres:15-bookworm-1`, `platform/redis:7-bookworm-1`). */
  image: string;
  /** The registry the nodes pull from (`127.0.0.1:5000`): the image is pushed there as `<registry>/<image>`. */
  registry?: string | undefined;
  /** Where platformd's password of each add-on server is kept (0700). */
  secretsDir: string;
  /** The overlay of an app's dynos, created when missing (runtime-swarm's `createSwarmNetworks`). */
  networkFor(appId: string): Promise<string>;
  /** How long provisioning waits for a new server to answer, ms. */
  readyTimeoutMs?: number | undefined;
  /** Memory limit of each add-on's container, bytes. */
  memoryBytes?: number | undefined;
  logger?: AddonLogger | undefined;
}

/** What one service's provider adds to the shared lifecycle. */
export interface ServerKind {
  service: SwarmAddonService;
  /** `PostgreSQL`, `Redis`: for messages. */
  title: string;
  port: number;
  /** The command that builds the image, for the message when it is missing. */
  imageHint: string;
  defaultMemoryBytes: number;
  defaultReadyTimeoutMs: number;
}

/**
 * The lifecycle both swarm providers share: operations serialised per add-on, the service made from its spec
 * (image pushed, volume pinned to the manager's node, secret created), readiness, the tunnels platformd reaches
 * the servers through, attachments as service networks, removal and the start-up sweep.
 */
export function createAddonServices(options: SwarmAddonOptions, kind: ServerKind) {
  const { docker } = options;
  const locks = new Map<string, Promise<unknown>>();
  const tunnels = new Map<string, Promise<ServerTunnel>>();
  const reference = registryImage(options.image, options.registry);
  let imageReady: Promise<void> | null = null;
  let closed = false;
  const names = (addonId: string): SwarmAddonObjects => swarmAddonObjects(kind.service, addonId);

  /** One operation at a time per add-on. */
  const serialized = <T>(addonId: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new PlatformError(ErrorCodes.addonProvisionFailed, `The swarm ${kind.title} provider is closed.`));
    const run = (locks.get(addonId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    locks.set(addonId, tail);
    void tail.then(() => locks.get(addonId) === tail && locks.delete(addonId));
    return run;
  };

  /** The add-on's service, or null; one of the same name that is not this add-on's is refused. */
  const existing = async (addonId: string) => {
    const service = await inspectService(docker, names(addonId).service);
    if (service && service.Spec?.Labels?.[SWARM_ADDON_LABEL.id] !== addonId) {
      throw new PlatformError(ErrorCodes.addonProvisionFailed, `The service ${names(addonId).service} is not this add-on's.`);
    }
    return service;
  };

  /** The running task's container on the manager ('' while none runs, or when it runs elsewhere). */
  const containerOf = async (addonId: string) => (await currentTask(docker, names(addonId).service)).containerId;

  /** The add-on's tunnel, opened at the first use and kept until the add-on goes or the provider closes. */
  const tunnel = (addonId: string): Promise<ServerTunnel> => {
    let made = tunnels.get(addonId);
    if (!made) {
      made = openTunnel(docker, () => containerOf(addonId), kind.port);
      tunnels.set(addonId, made);
      made.catch(() => tunnels.delete(addonId));
    }
    return made;
  };
  const closeTunnel = async (addonId: string) => {
    const made = tunnels.get(addonId);
    tunnels.delete(addonId);
    await made?.then((t) => t.close()).catch(() => undefined);
  };

  /**
   * Creates the add-on's secret (`secretData`) and service on the owning app's overlay, pinned to the manager's
   * node, where its volume is made at the task's first start.
   */
  const create = async (request: AddonRequest, server: ServerSpec, secretData: string): Promise<void> => {
    if (!request.appId) throw new PlatformError(ErrorCodes.invalidParams, 'A swarm add-on needs the id of the app that owns it.');
    imageReady ??= pushAddonImage(docker, options.image, reference, kind.imageHint).catch((err: unknown) => {
      imageReady = null;
      throw err;
    });
    await imageReady;
    const network = await options.networkFor(request.appId);
    const nodeId = await localNodeId(docker);
    const placement = {
      service: kind.service,
      addonId: request.addonId,
      appId: request.appId,
      instance: options.instance,
      image: reference,
      network,
      nodeId,
      memoryBytes: options.memoryBytes ?? kind.defaultMemoryBytes,
    };
    const secret = await ensureSecret(docker, names(request.addonId).secret, secretData, swarmAddonLabels(placement));
    try {
      await docker.createService(swarmAddonServiceSpec(placement, server, secret));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) return; // created meanwhile
      throw dockerError(`create service ${names(request.addonId).service}`, err);
    }
    options.logger?.info({ addon: request.addonId, service: names(request.addonId).service, network, node: nodeId }, 'add-on service created');
  };

  /**
   * Waits until the server answers `probe` through the tunnel (a first start initialises its data) and resolves the
   * tunnel. PLT_ADDON_PROVISION_FAILED, with Swarm's reason and the server's last output, after the timeout.
   */
  const waitReady = async (addonId: string, probe: (t: ServerTunnel) => Promise<boolean>): Promise<ServerTunnel> => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? kind.defaultReadyTimeoutMs);
    const t = await tunnel(addonId);
    for (;;) {
      const task = await currentTask(docker, names(addonId).service);
      if (task.containerId && (await probe(t).catch(() => false))) return t;
      if (Date.now() > deadline) {
        const tail = await serviceLogTail(docker, names(addonId).service, 10);
        const why = task.error || `task ${task.state}`;
        throw new PlatformError(ErrorCodes.addonProvisionFailed, `The ${kind.title} service ${names(addonId).service} did not answer (${why})${tail ? `: ${tail}` : ''}.`);
      }
      await sleep(300);
    }
  };

  /** `url` with the add-on tunnel's address instead of the service's name: how a client on platformd's host reaches it. */
  const platformUrl = async (addonId: string, url: string): Promise<string> => {
    if (!(await existing(addonId))) throw new PlatformError(ErrorCodes.addonNotFound, `The ${kind.title} service of add-on ${addonId} does not exist.`);
    const t = await tunnel(addonId);
    const u = new URL(url);
    u.hostname = t.host;
    u.port = String(t.port);
    return u.toString();
  };

  /** Removes the service, its volume and secret, and platformd's kept password. */
  const remove = async (addonId: string, passwords: KeptPasswords): Promise<void> => {
    await closeTunnel(addonId);
    await removeServiceObjects(docker, names(addonId));
    await passwords.remove(names(addonId).resource);
  };

  /** Adds (`join`) or takes away an app's overlay from the service's networks; never its owner's. */
  const changeNetworks = async (request: AddonRequest, appId: string, join: boolean): Promise<void> => {
    const service = await existing(request.addonId);
    if (!service) {
      if (join) throw new PlatformError(ErrorCodes.addonNotFound, `The ${kind.title} service of add-on ${request.addonId} does not exist.`);
      return;
    }
    const owner = service.Spec?.Labels?.[SWARM_ADDON_LABEL.network] ?? '';
    const network = await options.networkFor(appId);
    if (network === owner) return;
    const id = await networkId(docker, network);
    const changed = await updateServiceNetworks(docker, names(request.addonId).service, (ids) => (join ? [...ids, id] : ids.filter((x) => x !== id && x !== network)));
    if (changed) options.logger?.info({ addon: request.addonId, network, join }, 'add-on service networks changed (its task restarts)');
  };

  /**
   * Puts each add-on's service in `attachedApps` (add-on id → the other apps it is attached to) on exactly its
   * owner's overlay and those apps' (a platformd that died between an attachment's row and its service update
   * left it otherwise). Only a service whose set differs is updated (its task restarts). An add-on whose service is
   * missing, or whose update fails, is skipped (logged). Resolves the add-ons changed and their overlays now.
   */
  const reconcileNetworks = async (attachedApps: ReadonlyMap<string, readonly string[]>): Promise<Array<{ addonId: string; networks: string[] }>> => {
    const changes: Array<{ addonId: string; networks: string[] }> = [];
    for (const [addonId, appIds] of attachedApps) {
      const changed = await serialized(addonId, async () => {
        const owner = (await existing(addonId))?.Spec?.Labels?.[SWARM_ADDON_LABEL.network] ?? '';
        if (!owner) return null; // no service, or nothing says which overlay is its home: left alone
        const networks = [...new Set([owner, ...(await Promise.all(appIds.map((id) => options.networkFor(id))))])];
        const ids = await Promise.all(networks.map((n) => networkId(docker, n)));
        return (await updateServiceNetworks(docker, names(addonId).service, () => ids)) ? { addonId, networks } : null;
      }).catch((err: unknown) => {
        options.logger?.warn({ err, addon: addonId }, "could not set the add-on service's networks");
        return null;
      });
      if (changed) changes.push(changed);
    }
    return changes;
  };

  /** Removes this instance's add-on services (with volumes, secrets, kept passwords) whose add-on is not live. */
  const sweep = async (live: ReadonlySet<string>, passwords: KeptPasswords): Promise<string[]> => {
    const filters = { label: [`${SWARM_ADDON_LABEL.instance}=${options.instance}`, `${SWARM_ADDON_LABEL.service}=${kind.service}`] };
    let ids: string[];
    try {
      const services = await docker.listServices({ filters });
      const secrets = await docker.listSecrets({ filters });
      const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
      ids = [
        ...services.map((s) => s.Spec?.Labels?.[SWARM_ADDON_LABEL.id] ?? ''),
        ...secrets.map((s) => (s as { Spec?: { Labels?: Record<string, string> } }).Spec?.Labels?.[SWARM_ADDON_LABEL.id] ?? ''),
        ...volumes.map((v) => v.Labels?.[SWARM_ADDON_LABEL.id] ?? ''),
      ];
    } catch (err) {
      throw dockerError(`list ${kind.title} add-on services`, err);
    }
    const orphans = [...new Set(ids)].filter((id) => id !== '' && !live.has(id));
    for (const id of orphans) await serialized(id, () => remove(id, passwords));
    return orphans;
  };

  const close = async () => {
    // Services keep running (apps use them); the next platformd finds them by name.
    closed = true;
    await Promise.all([...locks.values()]);
    await Promise.all([...tunnels.keys()].map((id) => closeTunnel(id)));
  };

  return { names, serialized, existing, tunnel, create, waitReady, platformUrl, remove, changeNetworks, reconcileNetworks, sweep, close };
}

/** The shared lifecycle of one service's swarm add-ons (`createAddonServices`). */
export type AddonServices = ReturnType<typeof createAddonServices>;

/**
 * The parts of a swarm add-on provider that do not depend on its server: removal (service, volume, secret and kept
 * password), the tunnel URL for platformd's host, attachments to other apps' overlays, the start-up sweep and
 * overlay reconciliation, and close. Each provider spreads them beside its own provision, rotation and status.
 */
export function sharedProviderParts(services: AddonServices, passwords: KeptPasswords, logger: AddonLogger | undefined) {
  return {
    deprovision: (request: AddonRequest) =>
      services.serialized(request.addonId, async () => {
        await services.remove(request.addonId, passwords);
        logger?.info({ addon: request.addonId, service: services.names(request.addonId).service }, 'add-on service, volume and secret removed');
      }),
    /** The URL through the add-on's tunnel on 127.0.0.1 (for a client on platformd's host: pg:backups' pg_dump and pg_restore). */
    platformUrl: (request: AddonRequest, dynoUrl: string) => services.platformUrl(request.addonId, dynoUrl),
    connectApp: (request: AddonRequest, appId: string) => services.serialized(request.addonId, () => services.changeNetworks(request, appId, true)),
    disconnectApp: (request: AddonRequest, appId: string) => services.serialized(request.addonId, () => services.changeNetworks(request, appId, false)),
    sweep: (live: ReadonlySet<string>) => services.sweep(live, passwords),
    reconcileNetworks: (attachedApps: ReadonlyMap<string, readonly string[]>) => services.reconcileNetworks(attachedApps),
    close: () => services.close(),
  };
}

/** A swarm add-on provider (PostgreSQL, Redis), with what attachments and start-up need (optional in `AddonProvider`). */
export interface SwarmAddonProvider extends AddonProvider {
  /** Lets another app's dynos reach the add-on: its service joins that app's overlay too (its task restarts). Idempotent. @throws PLT_ADDON_NOT_FOUND */
  connectApp(request: AddonRequest, appId: string): Promise<void>;
  /** Takes the service off another app's overlay (never its owner's; its task restarts). Idempotent. */
  disconnectApp(request: AddonRequest, appId: string): Promise<void>;
  /** At start-up: removes this instance's PostgreSQL add-on services, volumes and secrets whose add-on is not in `live`. Resolves their ids. */
  sweep(live: ReadonlySet<string>): Promise<string[]>;
  /**
   * At start-up, after `sweep`: each add-on's service in `attachedApps` (add-on id → ids of the other apps it is
   * attached to) on exactly its owner's overlay and theirs; those that differ are updated (their task restarts).
   * Resolves what changed.
   *
   *   await provider.reconcileNetworks(new Map([[addonId, [otherAppId]]])) // [{ addonId, networks: ['platform-app-…', 'platform-app-…'] }]
   */
  reconcileNetworks(attachedApps: ReadonlyMap<string, readonly string[]>): Promise<Array<{ addonId: string; networks: string[] }>>;
}
