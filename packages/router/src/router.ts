import {
  Agent,
  createServer,
  request,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { DynoAddress } from '@platform/types';
import { clientIp, forwardableRawHeaders, requestIdFrom, stripHopByHop } from './headers.ts';
import { appFromHost, hostHeaderCount } from './host.ts';
import type { RouterLogEntry } from './log-line.ts';
import { proxyUpgrade } from './upgrade.ts';

export interface RouteTarget {
  /** Dyno name, e.g. `web.1`. */
  dyno: string;
  address: DynoAddress;
}

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

/** Per-request state, also the source of the log entry. */
export interface RequestState {
  app: string;
  method: string;
  path: string;
  host: string;
  requestId: string;
  fwd: string;
  start: number;
  dyno: string | null;
  connectStart: number;
  connectedAt: number;
  status: number;
  bytes: number;
  code: string | undefined;
  desc: string | undefined;
  logged: boolean;
}

const ERROR_PAGE = (title: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h1>${title}</h1></body></html>\n`;
const NO_SUCH_APP_PAGE = ERROR_PAGE('No such app');
const APP_ERROR_PAGE = ERROR_PAGE('Application error');

const NO_BODY_LENGTH = '0';

export function createRouter(options: RouterOptions): Router {
  const domain = options.domain.toLowerCase();
  const logger = options.logger;
  const onLog = options.onLog;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const routes = new Map<string, RouteTarget[]>();
  const agents = new Map<string, Agent>();
  /** Agents of dynos no longer routed to, kept until their in-flight requests end (or close()). */
  const retiring = new Set<Agent>();

  // Keep-alive connections to dynos: a new TCP connection per request (Heroku's way) costs more
  // than the proxying itself on a single host. 'lifo' keeps few sockets warm.
  function agentFor(address: DynoAddress): Agent {
    const key = `${address.host}|${address.port}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, scheduling: 'lifo', keepAliveMsecs: 1_000 });
      agents.set(key, agent);
    }
    return agent;
  }

  /** Drops the pooled connections of dynos that are no longer routed to. */
  function pruneAgents(): void {
    const live = new Set<string>();
    for (const targets of routes.values()) {
      for (const t of targets) live.add(`${t.address.host}|${t.address.port}`);
    }
    for (const [key, agent] of agents) {
      if (!live.has(key)) {
        // Only idle sockets: requests in flight to a dyno being retired must complete (graceful drain).
        // With keepAlive off, each busy socket is closed as soon as its response ends.
        (agent as Agent & { keepAlive: boolean }).keepAlive = false;
        for (const sockets of Object.values(agent.freeSockets))
          for (const socket of sockets ?? []) socket.destroy();
        agents.delete(key);
        retiring.add(agent);
      }
    }
    for (const agent of retiring) {
      if (Object.keys(agent.sockets).length === 0 && Object.keys(agent.freeSockets).length === 0) retiring.delete(agent);
    }
  }

  function log(state: RequestState): void {
    if (state.logged) return;
    state.logged = true;
    if (!onLog) return;
    const reached = state.connectedAt > 0;
    const entry: RouterLogEntry = {
      app: state.app,
      at: state.code ? 'error' : 'info',
      method: state.method,
      path: state.path,
      host: state.host,
      requestId: state.requestId,
      fwd: state.fwd,
      dyno: state.dyno,
      connectMs: reached ? state.connectedAt - state.connectStart : 0,
      serviceMs: reached ? Date.now() - state.connectedAt : 0,
      status: state.status,
      bytes: state.bytes,
      protocol: 'http',
    };
    if (state.code) {
      entry.code = state.code;
      entry.desc = state.desc ?? '';
    }
    try {
      onLog(entry);
    } catch (err) {
      logger?.error({ err }, 'router onLog failed');
    }
  }

  function sendPage(res: ServerResponse, status: number, page: string): void {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(page),
      'cache-control': 'no-cache, no-store',
    });
    res.end(page);
  }

  function fail(state: RequestState, res: ServerResponse, code: string, desc: string): void {
    state.code = code;
    state.desc = desc;
    state.status = 503;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendPage(res, 503, APP_ERROR_PAGE);
  }

  /** Routing shared by requests and upgrades: the app state, or an answer already decided. */
  function route(
    req: IncomingMessage,
  ):
    | { kind: 'answer'; status: number; page: string }
    | { kind: 'route'; state: RequestState; targets: RouteTarget[] } {
    if (hostHeaderCount(req.rawHeaders) > 1)
      return { kind: 'answer', status: 400, page: ERROR_PAGE('Bad Request') };
    const host = req.headers.host ?? '';
    const app = appFromHost(host, domain);
    const targets = app === null ? undefined : routes.get(app);
    if (app === null || targets === undefined) return { kind: 'answer', status: 404, page: NO_SUCH_APP_PAGE };
    const ip = clientIp(req.socket.remoteAddress);
    const prior = req.headers['x-forwarded-for'];
    const state: RequestState = {
      app,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      host,
      requestId: requestIdFrom(req.headers['x-request-id']),
      fwd: prior ? `${prior}, ${ip}` : ip,
      start: Date.now(),
      dyno: null,
      connectStart: 0,
      connectedAt: 0,
      status: 0,
      bytes: 0,
      code: undefined,
      desc: undefined,
      logged: false,
    };
    return { kind: 'route', state, targets };
  }

  function forwardedHeaders(
    req: IncomingMessage,
    state: RequestState,
    upgrade: boolean,
  ): IncomingHttpHeaders {
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const headers = stripHopByHop(req.headers, upgrade);
    // node decodes a chunked body; keeping the header makes the upstream request chunked again.
    if (chunked) headers['transfer-encoding'] = 'chunked';
    headers['x-forwarded-for'] = state.fwd;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
    headers['x-request-start'] = String(state.start);
    headers['x-request-id'] = state.requestId;
    return headers;
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const routed = route(req);
    if (routed.kind === 'answer') {
      sendPage(res, routed.status, routed.page);
      return;
    }
    const { state, targets } = routed;
    res.on('close', () => {
      if (!res.writableFinished && !state.code) {
        state.code = 'H27';
        state.desc = 'Client Request Interrupted';
        state.status = 499;
      }
      log(state);
    });
    if (targets.length === 0) {
      fail(state, res, 'H14', 'No web processes running');
      return;
    }
    const headers = forwardedHeaders(req, state, false);
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== NO_BODY_LENGTH);
    attempt(req, res, state, targets, headers, hasBody, null, 1);
  }

  function attempt(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    targets: RouteTarget[],
    headers: IncomingHttpHeaders,
    hasBody: boolean,
    failed: Set<RouteTarget> | null,
    attemptNo: number,
  ): void {
    const target = pickTarget(targets, failed);
    state.dyno = target.dyno;
    state.connectStart = Date.now();
    state.connectedAt = 0;
    let connectTimer: NodeJS.Timeout | null = null;
    let responseTimer: NodeJS.Timeout | null = null;
    let responded = false;
    let done = false;

    const upReq: ClientRequest = request({
      host: target.address.host,
      port: target.address.port,
      method: state.method,
      path: state.path,
      headers,
      agent: agentFor(target.address),
    });
    if (!hasBody) upReq.end();

    const onConnected = () => {
      if (connectTimer) clearTimeout(connectTimer);
      state.connectedAt = Date.now();
      // The body is only read once a dyno accepted the connection, so a refused connect can be
      // retried on another dyno with the body intact.
      if (hasBody) req.pipe(upReq);
      responseTimer = setTimeout(() => {
        done = true;
        fail(state, res, 'H12', 'Request timeout');
        upReq.destroy();
      }, requestTimeoutMs);
    };

    upReq.on('socket', (socket: Socket) => {
      if (socket.connecting) {
        socket.setNoDelay(true);
        connectTimer = setTimeout(() => {
          const err = new Error('connect timeout') as NodeJS.ErrnoException;
          err.code = 'ETIMEDOUT';
          upReq.destroy(err);
        }, connectTimeoutMs);
        socket.once('connect', onConnected);
      } else {
        onConnected();
      }
    });

    upReq.on('response', (upRes: IncomingMessage) => {
      if (done) {
        upRes.resume();
        return;
      }
      responded = true;
      if (responseTimer) clearTimeout(responseTimer);
      state.status = upRes.statusCode ?? 502;
      res.writeHead(state.status, upRes.statusMessage, forwardableRawHeaders(upRes.rawHeaders));
      upRes.on('data', (chunk: Buffer) => {
        state.bytes += chunk.length;
        if (!res.write(chunk)) upRes.pause();
      });
      res.on('drain', () => upRes.resume());
      upRes.on('end', () => {
        done = true;
        res.end();
      });
      upRes.on('aborted', () => {
        // The dyno closed the connection in the middle of the response.
        done = true;
        state.code = 'H18';
        state.desc = 'Server Request Interrupted';
        res.destroy();
      });
    });

    upReq.on('error', (err: NodeJS.ErrnoException) => {
      if (connectTimer) clearTimeout(connectTimer);
      if (responseTimer) clearTimeout(responseTimer);
      if (done || res.destroyed || res.writableEnded) return;
      if (responded) {
        done = true;
        state.code = 'H18';
        state.desc = 'Server Request Interrupted';
        res.destroy();
        return;
      }
      const connected = state.connectedAt > 0;
      // A pooled connection the dyno had already closed: safe to retry when nothing was sent.
      const staleSocket = connected && upReq.reusedSocket && !hasBody && err.code === 'ECONNRESET';
      if (!connected || staleSocket) {
        const nextFailed = failed ?? new Set<RouteTarget>();
        if (!connected) nextFailed.add(target);
        const untried = targets.length - nextFailed.size;
        if (attemptNo < maxAttempts && untried > 0) {
          logger?.debug(
            { app: state.app, dyno: target.dyno, code: err.code },
            'router retrying on another dyno',
          );
          done = true;
          attempt(req, res, state, targets, headers, hasBody, nextFailed, attemptNo + 1);
          return;
        }
      }
      done = true;
      if (!connected) {
        state.connectedAt = 0;
        if (err.code === 'ETIMEDOUT') fail(state, res, 'H19', 'Backend connection timeout');
        else fail(state, res, 'H21', 'Backend connection refused');
      } else {
        fail(state, res, 'H13', 'Connection closed without response');
      }
    });

    res.once('close', () => {
      if (!done) {
        done = true;
        if (connectTimer) clearTimeout(connectTimer);
        if (responseTimer) clearTimeout(responseTimer);
        upReq.destroy();
      }
    });
  }

  // Upgraded connections leave the http server's bookkeeping: close() must end them itself.
  const upgraded = new Set<Socket>();

  function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const routed = route(req);
    if (routed.kind === 'answer') {
      writeRawAnswer(socket, routed.status, routed.page);
      return;
    }
    const { state, targets } = routed;
    if (targets.length === 0) {
      state.code = 'H14';
      state.desc = 'No web processes running';
      state.status = 503;
      writeRawAnswer(socket, 503, APP_ERROR_PAGE);
      log(state);
      return;
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
    if (socket.writable && err.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else {
      socket.destroy();
    }
  });

  return {
    server,
    setRoutes(app, targets) {
      routes.set(
        app,
        targets.map((t) => ({ dyno: t.dyno, address: { host: t.address.host, port: t.address.port } })),
      );
      pruneAgents();
    },
    removeApp(app) {
      routes.delete(app);
      pruneAgents();
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
        for (const agent of agents.values()) agent.destroy();
        for (const agent of retiring) agent.destroy();
        agents.clear();
      });
    },
  };
}

/** Random choice among the dynos that have not failed for this request (Heroku balances randomly). */
export function pickTarget(targets: RouteTarget[], failed: Set<RouteTarget> | null): RouteTarget {
  if (!failed || failed.size === 0) return targets[Math.floor(Math.random() * targets.length)]!;
  const candidates = targets.filter((t) => !failed.has(t));
  const pool = candidates.length > 0 ? candidates : targets;
  return pool[Math.floor(Math.random() * pool.length)]!;
}

function writeRawAnswer(socket: Socket, status: number, page: string): void {
  const reason = status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : 'Service Unavailable';
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(page)}\r\nConnection: close\r\n\r\n${page}`,
    );
  } else {
    socket.destroy();
  }
}
