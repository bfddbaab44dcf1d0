import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { formatRouterLogLine, type RouterLogEntry } from '@platform/router-kit';
import { createHaproxyRouter, type PlatformApiRoute } from '@platform/router-haproxy';
import { createNodeRouter } from '@platform/router-node';
import { PlatformError, type Router } from '@platform/types';
import type { ServerConfig } from '../config.ts';
import type { CleanupStack } from './cleanup-stack.ts';

/** The router platformd drives, and how it comes to serve. */
export interface OpenedRouter {
  router: Router;
  kind: 'haproxy' | 'node';
  /** Why this driver (logged). */
  reason: string;
  /** Apps the data path already served when platformd started (an adopted proxy), so stale ones can be removed. */
  served: readonly string[];
  /** Makes it accept connections (Node: listens; HAProxy: already serving) and returns its port. */
  serve(): Promise<number>;
  /** The TLS port (HAProxy with PLATFORM_ROUTER_TLS_PORT), else null. */
  tlsPort(): number | null;
  /** Serves platformd's API at its hostname (config.apiEdge), HAProxy only: see router-haproxy `setPlatformApi`. */
  servePlatformApi?(route: PlatformApiRoute): Promise<void>;
}

/**
 * PLATFORM_ROUTER=haproxy|node, or auto: HAProxy when its binary is installed (`PLATFORM_HAPROXY_BIN`), else the
 * Node router. HAProxy runs as its own process under `<data dir>/router`, adopted when the previous platformd's
 * proxy still answers; platformd's stop leaves it serving (scripts/stop-router.sh stops it for good). The Node
 * router lives and dies with platformd.
 */
export async function openRouter(
  config: Readonly<ServerConfig>,
  ctx: {
    onLog(entry: RouterLogEntry, line: string): void;
    logger: Logger;
    cleanups: CleanupStack;
  },
): Promise<OpenedRouter> {
  const logger = ctx.logger.child({ component: 'router' });
  const onLog = (entry: RouterLogEntry) => ctx.onLog(entry, formatRouterLogLine(entry));
  const installed = existsSync(config.haproxyBin);
  if (config.router === 'haproxy' && !installed) {
    throw new PlatformError('PLT_ROUTER_UNAVAILABLE', `PLATFORM_ROUTER=haproxy but ${config.haproxyBin} is missing. Run: bash scripts/prerequisites.sh router`);
  }
  if (config.haproxySupervisor === 'external' && !installed) {
    // platformd checks every config (certificates included) with the binary before the proxy reloads it.
    throw new PlatformError('PLT_ROUTER_UNAVAILABLE', `PLATFORM_HAPROXY_SUPERVISOR=external but ${config.haproxyBin} is missing: platformd checks configs with it`);
  }
  if (config.router === 'node' || !installed) {
    if (config.apiEdge) {
      throw new PlatformError('PLT_ROUTER_UNAVAILABLE', `PLATFORM_API_TLS_CERT needs HAProxy (${config.haproxyBin} is missing): the Node router does not serve the platform's API (it runs inside platformd, so it would stop with it). Run: bash scripts/prerequisites.sh router, or unset PLATFORM_API_TLS_CERT`);
    }
    const router = createNodeRouter({ domain: config.domain, logger, onLog });
    ctx.cleanups.defer(() => router.close());
    const reason = config.router === 'node' ? 'PLATFORM_ROUTER=node' : `no HAProxy at ${config.haproxyBin}`;
    let tlsPort: number | null = null;
    const serve = async () => {
      const { port } = await router.listen(config.routerPort, config.routerHost);
      // The Node router's TLS side: HTTP/1.1 (no HTTP/2), the same certificates, SNI and redirects as HAProxy's.
      if (config.routerTlsPort !== null) tlsPort = (await router.listenTls(config.routerTlsPort, config.routerHost)).port;
      return port;
    };
    return { router, kind: 'node', reason, served: [], serve, tlsPort: () => tlsPort };
  }
  const router = createHaproxyRouter({
    binary: config.haproxyBin,
    dir: path.join(config.dataDir, 'router'),
    domain: config.domain,
    listen: { host: config.routerHost, port: config.routerPort },
    tlsPort: config.routerTlsPort,
    supervisor: config.haproxySupervisor,
    onLog,
    logger,
  });
  const { adopted, pid } = await router.start();
  // platformd's stop closes the control plane only: the proxy keeps serving.
  ctx.cleanups.defer(() => router.close());
  const how = config.haproxySupervisor === 'external' ? `, run by its supervisor (master pid ${pid} in its namespace)` : ` pid ${pid}`;
  const reason = `${config.router === 'haproxy' ? 'PLATFORM_ROUTER=haproxy' : `HAProxy found at ${config.haproxyBin}`}; ${adopted ? 'adopted' : 'started'}${how}`;
  return {
    router,
    kind: 'haproxy',
    reason,
    served: router.apps(),
    serve: async () => router.port(),
    tlsPort: () => router.tlsPort(),
    servePlatformApi: (route) => router.setPlatformApi(route),
  };
}
