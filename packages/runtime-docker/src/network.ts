import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { RuntimeLogger } from '@platform/runtime-kit';
import { dockerError, dockerStatus } from '@platform/docker-kit';
import { LABEL } from './dyno-container.ts';
import { freeSubnet } from './subnets.ts';

/** How dynos are networked: one bridge per app (isolated from each other by the engine), or one shared bridge. */
export type DynoNetworking = { mode: 'per-app'; pool: string } | { mode: 'shared'; name: string };

/** The host-side interface names of per-app bridges start with this: a host firewall can match them all (`plt-+`). */
export const APP_BRIDGE_PREFIX = 'plt-';

export interface DynoNetworks {
  /** The network an app's dynos join, created on first use. Rejects with PLT_RUNTIME_UNAVAILABLE. */
  forApp(appId: string): Promise<string>;
  /** Removes a per-app network (its dynos must be gone); nothing for a shared one. Never throws. */
  forget(appId: string): Promise<void>;
}

/** The per-app network's name and bridge interface name (15 characters at most, Linux's limit). */
export function appNetworkNames(appId: string): { name: string; bridge: string } {
  const digest = createHash('sha256').update(appId).digest('hex');
  return { name: `platform-app-${digest.slice(0, 16)}`, bridge: `${APP_BRIDGE_PREFIX}${digest.slice(0, 11)}` };
}

/**
 * Dyno networks on one engine. Per app: a bridge `platform-app-<hash>` whose host interface is `plt-<hash>`,
 * with a /24 from `pool` that no network on the engine uses (a concurrent creation of the same subnet by another
 * platform is retried with the next free one); labelled with the instance and the app id. Docker keeps bridges
 * apart (its isolation chains), so one app's dynos cannot reach another's; the router on the host reaches
 * them all. Shared: one bridge `name` for every dyno (when platformd itself runs in a container on it).
 */
export function createDynoNetworks(docker: Docker, networking: DynoNetworking, instance: string, logger?: RuntimeLogger | undefined): DynoNetworks {
  const ready = new Map<string, Promise<string>>();
  const once = (key: string, make: () => Promise<string>) => {
    let p = ready.get(key);
    if (!p) {
      p = make().catch((err) => {
        ready.delete(key); // retried on the next start
        throw err instanceof PlatformError ? err : dockerError(`create network for ${key}`, err);
      });
      ready.set(key, p);
    }
    return p;
  };

  async function create(options: Docker.NetworkCreateOptions): Promise<boolean> {
    try {
      await docker.createNetwork(options);
      logger?.info({ network: options.Name }, 'docker network created');
      return true;
    } catch (err) {
      if (dockerStatus(err) === 409) return true; // created meanwhile (same name)
      if (/overlap|pool/i.test((err as Error).message)) return false; // subnet taken meanwhile: try the next
      throw dockerError(`create network ${options.Name}`, err);
    }
  }

  if (networking.mode === 'shared') {
    const { name } = networking;
    const ensure = async () => {
      const found = await docker.listNetworks({ filters: { name: [name] } });
      if (!found.some((n) => n.Name === name)) await create({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABEL.managed]: '1' } });
      return name;
    };
    return { forApp: () => once(name, ensure), forget: async () => {} };
  }

  const { pool } = networking;
  async function ensureApp(appId: string): Promise<string> {
    const { name, bridge } = appNetworkNames(appId);
    for (let attempt = 0; attempt < 8; attempt++) {
      const networks = await docker.listNetworks();
      if (networks.some((n) => n.Name === name)) return name;
      const used = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
      const subnet = freeSubnet(pool, used);
      if (subnet === null) {
        throw new PlatformError(
          ErrorCodes.runtimeUnavailable,
          `No free /24 left in the dyno subnet pool ${pool} (PLATFORM_DYNO_SUBNETS): destroy unused apps or widen the pool.`,
        );
      }
      const created = await create({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
        Options: { 'com.docker.network.bridge.name': bridge },
        Labels: { [LABEL.managed]: instance, [LABEL.appId]: appId },
      });
      if (created) return name;
    }
    throw new PlatformError(ErrorCodes.runtimeUnavailable, `Could not create the network of app ${appId}: its subnets kept being taken.`);
  }

  return {
    forApp: (appId) => once(appId, () => ensureApp(appId)),
    async forget(appId) {
      ready.delete(appId);
      const { name } = appNetworkNames(appId);
      await docker
        .getNetwork(name)
        .remove()
        .catch((err: unknown) => {
          if (dockerStatus(err) !== 404) logger?.warn({ err, network: name }, 'removing an app network failed');
        });
    },
  };
}

/**
 * Removes the per-app networks of this instance whose app is not in `liveAppIds` (destroyed while the server was
 * down, or mid-destroy when it died). A network still in use is left for the next start. Resolves how many went.
 */
export async function sweepAppNetworks(docker: Docker, instance: string, liveAppIds: ReadonlySet<string>, logger?: RuntimeLogger | undefined): Promise<number> {
  let removed = 0;
  const networks = await docker.listNetworks({ filters: { label: [`${LABEL.managed}=${instance}`] } }).catch(() => []);
  for (const n of networks) {
    const appId = n.Labels?.[LABEL.appId];
    if (!appId || liveAppIds.has(appId)) continue;
    try {
      await docker.getNetwork(n.Id).remove();
      removed++;
    } catch (err) {
      if (dockerStatus(err) !== 404) logger?.warn({ err, network: n.Name }, 'an orphaned app network could not be removed yet');
    }
  }
  return removed;
}
