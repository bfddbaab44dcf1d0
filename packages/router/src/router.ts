import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RouterLogEntry } from './log-line.ts';
import { forwardRequest, type ForwardContext } from './forward.ts';
import { APP_ERROR_PAGE, sendPage, writeRawAnswer } from './pages.ts';
import { forwardedHeaders, logEntryOf, routeRequest, type RequestState } from './request-state.ts';
import { createRouteTable, pickTarget, type RouteTarget } from './route-table.ts';
import { proxyUpgrade } from './upgrade.ts';
import { createAppHosts } from './app-hosts.ts';
import { createEdgeSettings, MAINTENANCE_PAGE } from './edge-settings.ts';
import { answerAcmeChallenge } from './acme-challenge.ts';
import type { AppEdgeSettings, RouterCertificate } from '@platform/types';

export type { RequestState } from './request-state.ts';
export { pickTarget, type RouteTarget } from './route-table.ts';

export interface RouterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface RouterOptions {
  /** `localhost` → app "myapp" is served at Host `myapp.localhost[:port]`. */
  domain: string;
  logger?: RouterLogger | undefined;
  /** Called once per request to a known app (unknown hosts have no app log to go to). */
  onLog?: ((entry: RouterLogEntry) => void) | undefined;
  /** No response bytes from the dyno within this → 503 H12. Default 30 000. */
  requestTimeoutMs?: number | undefined;
  /** A connection not established within this counts as failed (H19 after retries). Default 5 000. */
  connectTimeoutMs?: number | undefined;
  /** Connection attempts per request across dynos (Heroku: 10). Default 10. */
  maxAttempts?: number | undefined;
  /**
   * ACME http-01: the key authorization of a challenge token platformd is proving, answered on any host at
   * `/.well-known/acme-challenge/<token>` (acme-challenge.ts); undefined lets the request through to the app.
   */
  acmeChallenge?: ((token: string) => string | undefined) | undefined;
}

export interface Router {
  /** Sets an app's web dynos. `[]` = a known app with no web dyno up (503 H14). */
  setRoutes(app: string, targets: RouteTarget[]): void;
  /** Sets an app's custom domains (exact or `*.example.com`; an exact name wins), replacing the previous list. */
  setDomains(app: string, hostnames: readonly string[]): Promise<void>;
  /** Sets an app's edge switches: maintenance answers every request 503 H80 with the maintenance page. */
  setSettings(app: string, settings: AppEdgeSettings): Promise<void>;
  /** Kept for the Router contract: this router serves plain HTTP only, so it keeps no certificate. */
  setCertificates(certificates: readonly RouterCertificate[]): Promise<void>;
  /** Forgets an app: its hosts answer 404. */
  removeApp(app: string): void;
  listen(port: number, host?: string): Promise<{ port: number }>;
  close(): Promise<void>;
  server: Server;
}

const NO_BODY_LENGTH = '0';

/** Heroku's H80: the app is in maintenance mode (503, logged at=info). */
function inMaintenance(state: RequestState): void {
  state.code = 'H80';
  state.desc = 'Maintenance mode';
  state.status = 503;
}

/**
 * The built-in HTTP router: Host `<app>.<domain>` → one of the app's web dynos, with Heroku's headers, retries,
 * H-codes and one log entry per request. Parts: the route table and connection pools (route-table.ts), routing
 * and headers (request-state.ts), forwarding with retries (forward.ts), WebSocket upgrades (upgrade.ts), custom
 * domains (app-hosts.ts), maintenance mode (edge-settings.ts).
 *
 *   const router = createRouter({ domain: 'localhost', onLog: (e) => hub.append(e.app, …) });
 *   router.setRoutes('shop', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: 5001 } }]);
 *   await router.listen(8080);
 */
export function createRouter(options: RouterOptions): Router {
  const domain = options.domain.toLowerCase();
  const { logger, onLog } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const table = createRouteTable();
  const hosts = createAppHosts(domain);
  const settings = createEdgeSettings();
  const appOf = (host: string) => hosts.resolve(host);

  function log(state: RequestState): void {
    if (state.logged) return;
    state.logged = true;
    if (!onLog) return;
    try {
      onLog(logEntryOf(state));
    } catch (err) {
      logger?.error({ err }, 'router onLog failed');
    }
  }

  const forward: ForwardContext = {
    agentFor: table.agentFor,
    fail(state, res, code, desc) {
      state.code = code;
      state.desc = desc;
      state.status = 503;
      if (res.headersSent) res.destroy();
      else sendPage(res, 503, APP_ERROR_PAGE);
    },
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    connectTimeoutMs,
    maxAttempts,
    logger,
  };

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (answerAcmeChallenge(req, res, options.acmeChallenge)) return;
    const routed = routeRequest(req, appOf, table);
    if (routed.kind === 'answer') return sendPage(res, routed.status, routed.page);
    const { state, targets } = routed;
    if (settings.get(state.app).maintenance) {
      inMaintenance(state);
      sendPage(res, 503, MAINTENANCE_PAGE);
      return log(state);
    }
    res.on('close', () => {
      if (!res.writableFinished && !state.code) {
        state.code = 'H27';
        state.desc = 'Client Request Interrupted';
        state.status = 499;
      }
      log(state);
    });
    if (targets.length === 0) return forward.fail(state, res, 'H14', 'No web processes running');
    const headers = forwardedHeaders(req, state, false);
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== NO_BODY_LENGTH);
    forwardRequest(forward, req, res, state, targets, headers, hasBody, null, 1);
  }

  // Upgraded connections leave the http server's bookkeeping: close() must end them itself.
  const upgraded = new Set<Socket>();

  function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const routed = routeRequest(req, appOf, table);
    if (routed.kind === 'answer') return writeRawAnswer(socket, routed.status, routed.page);
    const { state, targets } = routed;
    if (settings.get(state.app).maintenance) {
      inMaintenance(state);
      writeRawAnswer(socket, 503, MAINTENANCE_PAGE);
      return log(state);
    }
    if (targets.length === 0) {
      state.code = 'H14';
      state.desc = 'No web processes running';
      state.status = 503;
      writeRawAnswer(socket, 503, APP_ERROR_PAGE);
      return log(state);
    }
    proxyUpgrade({
      req,
      socket,
      head,
      state,
      targets,
      headers: forwardedHeaders(req, state, true),
      maxAttempts,
      connectTimeoutMs,
      pickTarget,
      done: (page) => {
        if (page) writeRawAnswer(socket, 503, APP_ERROR_PAGE);
        log(state);
      },
    });
  }

  // Node's default request timeout (300 s for the whole request) would cut long uploads; the body
  // is streamed without limit, as on Heroku. headersTimeout still guards against slow headers.
  const server = createServer({ requestTimeout: 0 }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    setRoutes: (app, targets) => table.set(app, targets),
    setDomains: async (app, hostnames) => hosts.setDomains(app, hostnames),
    setSettings: async (app, value) => settings.set(app, value),
    setCertificates: async () => undefined,
    removeApp(app) {
      table.remove(app);
      hosts.removeApp(app);
      settings.remove(app);
    },
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve({ port: typeof address === 'object' && address ? address.port : port });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        table.destroy();
      });
    },
  };
}
