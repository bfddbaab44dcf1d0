import type { DynoAddress, RouteTarget } from '@platform/types';

/** One dyno as an HAProxy server: its name in the backend carries the dyno and the address (`web.1--10.0.0.5:5000`). */
export interface ProxyServer {
  name: string;
  dyno: string;
  address: DynoAddress;
}

/** What the proxy serves for one app. */
export interface ProxyApp {
  /** Its backend: a spare it took over at run time (`spare-<n>`), or `app-<name>` when it got one by a reload. */
  backend: string;
  servers: Map<string, ProxyServer>;
  /** Custom hostnames, lower-case; `*.example.com` for a wildcard. */
  domains: string[];
  maintenance: boolean;
  redirectHttps: boolean;
  /** No web dyno up because they crashed (H10); only while `servers` is empty. */
  crashed: boolean;
}

/** The whole desired (and, once applied, live) state of the proxy, by app name. */
export type ProxyState = Map<string, ProxyApp>;

const SEPARATOR = '--';

/**
 * An HAProxy server name for a dyno. Two dynos of one name coexist during a rolling deploy (the new web.1 is up
 * before the old one stops), so the address is part of it. HAProxy allows `[A-Za-z0-9_.:-]` in names; an IPv6
 * address's colons pass, its brackets are never written.
 */
export function serverNameOf(target: RouteTarget): string {
  return `${target.dyno}${SEPARATOR}${target.address.host}:${target.address.port}`;
}

/** The dyno name in a server name (`web.1--127.0.0.1:5000` → `web.1`); null for `<NOSRV>` or a foreign name. */
export function dynoOfServer(name: string): string | null {
  const at = name.indexOf(SEPARATOR);
  return at > 0 ? name.slice(0, at) : null;
}

/**
 * The backend an app gets through a reload (no spare was free). App names are `[a-z][a-z0-9-]*` (APP_NAME_RE),
 * valid in HAProxy names as they are. Which backend serves an app is in backends.map, whatever its name.
 */
export const backendOf = (app: string): string => `app-${app}`;

/** The app of a backend named by `backendOf` (what a proxy written before backends.map had), else null. */
export function appOfBackend(backend: string): string | null {
  return backend.startsWith('app-') ? backend.slice(4) : null;
}

/** The name of spare backend number `n` (declared empty, taken over by a new app without a reload). */
export const spareName = (n: number): string => `spare-${n}`;

/** The number of a spare backend's name (`spare-12` → 12), else null. */
export function spareNumber(backend: string): number | null {
  const m = /^spare-(\d+)$/.exec(backend);
  return m ? Number(m[1]) : null;
}

/** A fresh app entry on `backend`: no dyno (503 H14), no custom domain, switches off. */
export function emptyApp(backend: string): ProxyApp {
  return { backend, servers: new Map(), domains: [], maintenance: false, redirectHttps: false, crashed: false };
}

/** Server entries for targets, by server name. */
export function serversOf(targets: readonly RouteTarget[]): Map<string, ProxyServer> {
  const servers = new Map<string, ProxyServer>();
  for (const t of targets) {
    const name = serverNameOf(t);
    servers.set(name, { name, dyno: t.dyno, address: { host: t.address.host, port: t.address.port } });
  }
  return servers;
}
