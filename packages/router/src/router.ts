import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RouterLogEntry } from './log-line.ts';
import { forwardRequest, type ForwardContext } from './forward.ts';
import { APP_ERROR_PAGE, sendPage, writeRawAnswer } from './pages.ts';
import { forwardedHeaders, logEntryOf, routeRequest, type RequestState } from './request-state.ts';
import { createRouteTable, pickTarget, type RouteTarget } from './route-table.ts';
import { proxyUpgrade } from './upgrade.ts';

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
}

export interface Router {
  /** Sets an app's web dynos. `[]` = a known app with no web dyno up (503 H14). */
  setRoutes(app: string, targets: RouteTarget[]): void;
  /** Forgets an app: its host answers 404. */
  removeApp(app: string): void;
  listen(port: number, host?: string): Promise<{ port: number }>;
  close(): Promise<void>;
  server: Server;
}

const NO_BODY_LENGTH = '0';

/**
 * The built-in HTTP router: Host `<app>.<domain>` → one of the app's web dynos, with Heroku's headers, retries,
 * H-codes and one log entry per request. Parts: the route table and connection pools (route-table.ts), routing
 * and headers (request-state.ts), forwarding with retries (forward.ts), WebSocket upgrades (upgrade.ts).
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
    const routed = routeRequest(req, domain, table);
    if (routed.kind === 'answer') return sendPage(res, routed.status, routed.page);
    const { state, targets } = routed;
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
    const routed = routeRequest(req, domain, table);
    if (routed.kind === 'answer') return writeRawAnswer(socket, routed.status, routed.page);
    const { state, targets } = routed;
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
    removeApp: (app) => table.remove(app),
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
