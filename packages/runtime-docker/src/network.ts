import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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

/**
 * The IPv4 destinations this host routes to (its LAN, a VPN, a cloud VPC — `/proc/net/route`, the default route
 * left out): a dyno network on one of them would hide those hosts from the dynos. [] where unreadable.
 */
export async function hostRoutes(): Promise<string[]> {
  const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
  const le = (hex: string) => [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).reverse();
  const routes: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] === '00000000') continue; // the default route
    const mask = le(f[7]!).reduce((bits, o) => bits + o.toString(2).replaceAll('0', '').length, 0);
    routes.push(`${le(f[1]!).join('.')}/${mask}`);
  }
  return routes;
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

  /** Resolves null once created (or created meanwhile under the same name), else the engine's refusal of the subnet. */
  async function create(options: Docker.NetworkCreateOptions): Promise<string | null> {
    try {
      await docker.createNetwork(options);
      logger?.info({ network: options.Name }, 'docker network created');
      return null;
    } catch (err) {
      if (dockerStatus(err) === 409) return null; // created meanwhile (same name)
      const message = String((err as { json?: { message?: unknown } }).json?.message ?? (err as Error).message);
      if (/overlap|pool|address/i.test(message)) return message; // the subnet was taken meanwhile: try another
      throw dockerError(`create network ${options.Name}`, err);
    }
  }

  if (networking.mode === 'shared') {
    const { name } = networking;
    const ensure = async () => {
      const found = await docker.listNetworks({ filters: { name: [name] } });
      if (!found.some((n) => n.Name === name)) {
        const refused = await create({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABEL.managed]: '1' } });
        if (refused) throw new PlatformError(ErrorCodes.runtimeUnavailable, `Could not create the dyno network ${name}: ${refused}`);
      }
      return name;
    };
    return { forApp: () => once(name, ensure), forget: async () => {} };
  }

  const { pool } = networking;
  async function ensureApp(appId: string): Promise<string> {
    const { name, bridge } = appNetworkNames(appId);
    // Subnets the engine refused here although no listed network had them (another platform creating its own at
    // the same moment, or one still being torn down): not tried again by this call.
    const refused = new Set<string>();
    let last = '';
    for (let attempt = 0; attempt < 32; attempt++) {
      const networks = await docker.listNetworks();
      if (networks.some((n) => n.Name === name)) return name;
      const used = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
      const subnet = freeSubnet(pool, [...used, ...(await hostRoutes()), ...refused]);
      if (subnet === null) {
        throw new PlatformError(
          ErrorCodes.runtimeUnavailable,
          `No free /24 left in the dyno subnet pool ${pool} (PLATFORM_DYNO_SUBNETS): destroy unused apps or widen the pool.`,
        );
      }
      const refusal = await create({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
        Options: { 'com.docker.network.bridge.name': bridge },
        Labels: { [LABEL.managed]: instance, [LABEL.appId]: appId },
      });
      if (refusal === null) return name;
      refused.add(subnet);
      last = refusal;
    }
    throw new PlatformError(ErrorCodes.runtimeUnavailable, `Could not create the network of app ${appId}: the engine kept refusing its subnets (last: ${last}).`);
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
