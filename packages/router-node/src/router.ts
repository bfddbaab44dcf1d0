import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { Socket } from 'node:net';
import {
  APP_ERROR_PAGE,
  appFromHost,
  createHostIndex,
  H_CODES,
  hostnameOf,
  MAINTENANCE_PAGE,
  type HCode,
  type RouterLogEntry,
} from '@platform/router-kit';
import type { AppEdgeSettings, RouteTarget, Router } from '@platform/types';
import { forwardRequest, type ForwardContext } from './forward.ts';
import { sendPage, writeRawAnswer } from './pages.ts';
import { forwardedHeaders, logEntryOf, routeRequest, type RequestState } from './request-state.ts';
import { createRouteTable, pickTarget } from './route-table.ts';
import { proxyUpgrade } from './upgrade.ts';
import { answerAcmeChallenge, storeChallenge } from './acme-challenge.ts';
import { createCertificateIndex, redirectToHttps } from './tls.ts';
import { createBacklog, type Backlog, type BacklogTicket } from './backlog.ts';

export type { RequestState } from './request-state.ts';
export { pickTarget } from './route-table.ts';

export interface RouterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Options of the Node router. Times in ms. */
export interface NodeRouterOptions {
  /** `localhost` → app "myapp" is served at Host `myapp.localhost[:port]`. */
  domain: string;
  logger?: RouterLogger | undefined;
  /** Called once per request to a known app (unknown hosts have no app log to go to). */
  onLog?: ((entry: RouterLogEntry) => void) | undefined;
  /** No response bytes within this, counted from the end of the request body → 503 H12. Default 30 000. */
  requestTimeoutMs?: number | undefined;
  /** Once the response started, no byte from the dyno for this long → cut off, H15 (a rolling window). Default 55 000. */
  idleTimeoutMs?: number | undefined;
  /** A connection not established within this counts as failed (H19 after retries). Default 5 000. */
  connectTimeoutMs?: number | undefined;
  /** Connection attempts per request across dynos (Heroku: 10). Default 10. */
  maxAttempts?: number | undefined;
  /** A client must send its request line and headers within this, else the connection is closed (408). Default 10 000. */
  headersTimeoutMs?: number | undefined;
  /** An idle keep-alive client connection is closed after this. Default 60 000. */
  keepAliveTimeoutMs?: number | undefined;
  /** Requests in flight per web dyno before others wait (Heroku: 50). Default 50. */
  dynoConcurrency?: number | undefined;
  /** Requests that may wait per web dyno up; one more gets 503 H11 (Heroku: 50). Default 50. */
  backlogPerDyno?: number | undefined;
  /** A request waiting in the backlog longer than this gets 503 H11. Default 30 000. */
  queueTimeoutMs?: number | undefined;
}

/** The Node router: the `Router` contract plus its own listener. */
export interface NodeRouter extends Router {
  listen(port: number, host?: string): Promise<{ port: number }>;
  /**
   * Also serves HTTPS on `port` (HTTP/1.1; no HTTP/2 here), with the certificates of `setCertificates` chosen by
   * SNI; from then on `redirectHttps` applies. Port 0 picks a free one (returned).
   */
  listenTls(port: number, host?: string): Promise<{ port: number }>;
  server: Server;
}

const NO_BODY_LENGTH = '0';

/**
 * The listeners' limits: no limit on the whole request (the body is streamed without limit, as on Heroku); only
 * the request line and headers have a deadline (slow-header clients), and idle keep-alive sockets are closed.
 */
function serverOptionsOf(options: NodeRouterOptions): ServerOptions {
  return {
    requestTimeout: 0,
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 60_000,
    // Heroku refuses a request line or header line over 8 KB; node bounds the whole header block (400).
    maxHeaderSize: 16_384,
    // How often node checks those deadlines (30 s by default, far coarser than the timeouts themselves).
    connectionsCheckingInterval: 1_000,
  };
}

function listenOn(s: Server | TlsServer, port: number, host: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      const address = s.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port });
    });
  });
}

/** A request node could not parse or read in time: 408 for the header deadline, 400 otherwise (as Heroku and HAProxy). */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason = status === 408 ? 'Request Timeout' : 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Lets a request through its app's backlog (backlog.ts: 503 H11 when full or after waiting too long), holding its
 * place until the response closes. After a wait the app may have lost its dynos meanwhile: H14 then.
 */
function admitThroughBacklog(
  backlog: Backlog,
  state: RequestState,
  res: ServerResponse,
  dynos: number,
  targetsNow: () => readonly RouteTarget[],
  go: (targets: readonly RouteTarget[]) => void,
  fail: (code: 'H11' | 'H14') => void,
): void {
  const admitted = (ticket: BacklogTicket) => {
    res.once('close', ticket.release);
    const targets = targetsNow();
    if (targets.length === 0) return fail('H14');
    go(targets);
  };
  backlog.admit(state.app, dynos, admitted, () => fail('H11'), (cancel) => res.once('close', cancel));
}

/**
 * The built-in HTTP router, the fallback data path where no native proxy is installed: Host `<app>.<domain>` or
 * a custom domain → one of the app's web dynos, with Heroku's headers, retries, H-codes and one log entry per
 * request. Parts: the route table and connection pools (route-table.ts), routing and headers (request-state.ts),
 * forwarding with retries (forward.ts), WebSocket upgrades (upgrade.ts). Runs inside platformd: it stops with it.
 *
 *   const router = createNodeRouter({ domain: 'localhost', onLog: (e) => hub.append(e.app, …) });
 *   await router.setRoutes('shop', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: 5001 } }]);
 *   await router.listen(8080);
 */
export function createNodeRouter(options: NodeRouterOptions): NodeRouter {
  const domain = options.domain.toLowerCase();
  const { logger, onLog } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const table = createRouteTable();
  const backlog = createBacklog({ dynoConcurrency: options.dynoConcurrency ?? 50, backlogPerDyno: options.backlogPerDyno ?? 50, queueTimeoutMs: options.queueTimeoutMs ?? 30_000 });
  const hosts = createHostIndex();
  const settings = new Map<string, AppEdgeSettings>();
  /** Apps whose web dynos all crashed (H10 rather than H14 while none is up). */
  const crashedApps = new Set<string>();
  const challenges = new Map<string, string>(); // ACME http-01: token → key authorization (acme-challenge.ts)
  const certificates = createCertificateIndex();
  let tlsServer: TlsServer | null = null;
  let tlsPort: number | null = null;

  const appOf = (host: string): string | null => {
    const name = hostnameOf(host);
    if (name === null) return null;
    return hosts.resolve(name) ?? appFromHost(name, domain);
  };

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

  function mark(state: RequestState, code: HCode): void {
    state.code = code;
    state.desc = H_CODES[code].desc;
    state.status = H_CODES[code].status;
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
    idleTimeoutMs: options.idleTimeoutMs ?? 55_000,
    connectTimeoutMs,
    maxAttempts,
    logger,
  };

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (answerAcmeChallenge(req, res, challenges)) return;
    const routed = routeRequest(req, appOf, table.get);
    if (routed.kind === 'answer') return sendPage(res, routed.status, routed.page);
    const { state, targets } = routed;
    res.on('close', () => {
      if (!res.writableFinished && !state.code) mark(state, 'H27');
      log(state);
    });
    if (settings.get(state.app)?.maintenance) {
      mark(state, 'H80');
      return sendPage(res, 503, MAINTENANCE_PAGE);
    }
    if (settings.get(state.app)?.redirectHttps && redirectToHttps(req, res, certificates, tlsPort)) {
      state.status = res.statusCode;
      return;
    }
    if (targets.length === 0) {
      const code = crashedApps.has(state.app) ? 'H10' : 'H14';
      return forward.fail(state, res, code, H_CODES[code].desc);
    }
    const headers = forwardedHeaders(req, state, false);
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== NO_BODY_LENGTH);
    const go = (now: readonly RouteTarget[]) => forwardRequest(forward, req, res, state, now, headers, hasBody, null, 1);
    admitThroughBacklog(backlog, state, res, targets.length, () => table.get(state.app) ?? [], go, (code) => forward.fail(state, res, code, H_CODES[code].desc));
  }

  // Upgraded connections leave the http server's bookkeeping: close() must end them itself.
  const upgraded = new Set<Socket>();

  function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const routed = routeRequest(req, appOf, table.get);
    if (routed.kind === 'answer') return writeRawAnswer(socket, routed.status, routed.page);
    const { state, targets } = routed;
    const maintenance = settings.get(state.app)?.maintenance === true;
    if (maintenance || targets.length === 0) {
      mark(state, maintenance ? 'H80' : crashedApps.has(state.app) ? 'H10' : 'H14');
      writeRawAnswer(socket, 503, maintenance ? MAINTENANCE_PAGE : APP_ERROR_PAGE);
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

  const serverOptions = serverOptionsOf(options);
  const server = createServer(serverOptions, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', answerClientError);

  return {
    server,
    async setRoutes(app, targets, routeState) {
      table.set(app, targets);
      if (targets.length === 0 && routeState?.crashed) crashedApps.add(app);
      else crashedApps.delete(app);
    },
    // Domains or switches make an app known (503 until it has web dynos), as HAProxy's driver does.
    setDomains: async (app, hostnames) => void (table.get(app) ?? table.set(app, []), hosts.set(app, hostnames)),
    setSettings: async (app, value) => void (table.get(app) ?? table.set(app, []), settings.set(app, { maintenance: value.maintenance, redirectHttps: value.redirectHttps })),
    setCertificates: async (list) => certificates.set(list),
    setChallenge: async (token, keyAuthorization) => storeChallenge(challenges, token, keyAuthorization),
    async removeApp(app) {
      table.remove(app);
      crashedApps.delete(app);
      hosts.remove(app);
      settings.delete(app);
    },
    listen: (port, host = '0.0.0.0') => listenOn(server, port, host),
    async listenTls(port, host = '0.0.0.0') {
      tlsServer = createTlsServer({ ...serverOptions, SNICallback: (name, cb) => cb(null, certificates.find(name) ?? certificates.fallback()) }, onRequest);
      tlsServer.on('upgrade', onUpgrade);
      tlsServer.on('clientError', answerClientError);
      const bound = await listenOn(tlsServer, port, host);
      tlsPort = bound.port;
      return bound;
    },
    close() {
      return new Promise((resolve) => {
        tlsServer?.close();
        tlsServer?.closeAllConnections();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        table.destroy();
      });
    },
  };
}
