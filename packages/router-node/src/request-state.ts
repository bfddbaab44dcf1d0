import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { atOf, BAD_REQUEST_PAGE, NO_SUCH_APP_PAGE, requestIdFrom, type RouterLogEntry } from '@platform/router-kit';
import type { RouteTarget } from '@platform/types';
import { clientIp, stripHopByHop } from './headers.ts';
import { hostHeaderCount } from './host.ts';
import { isTls } from './tls.ts';

/** Per-request state, also the source of the log entry. Times are epoch ms. */
export interface RequestState {
  app: string;
  method: string;
  path: string;
  host: string;
  requestId: string;
  /** X-Forwarded-For as sent on: the client's chain plus the client's address. */
  fwd: string;
  start: number;
  dyno: string | null;
  connectStart: number;
  /** 0 until a dyno accepted the connection. */
  connectedAt: number;
  status: number;
  /** Response body bytes relayed to the client. */
  bytes: number;
  /** How the client reached the router: over its TLS listener or plain HTTP. */
  protocol: 'http' | 'https';
  /** Heroku's H-code of a failure (`H12`), with its description. */
  code: string | undefined;
  desc: string | undefined;
  logged: boolean;
}

/** What to do with a request: answer it at once (bad host header, unknown app), or route it. */
export type Routing =
  | { kind: 'answer'; status: number; page: string }
  | { kind: 'route'; state: RequestState; targets: readonly RouteTarget[] };

/**
 * Routing shared by requests and upgrades: two Host headers → 400 (a request smuggling vector); a Host that
 * names no known app (`appOf`) → 404 "No such app"; else the request's state and the app's web dynos.
 */
export function routeRequest(
  req: IncomingMessage,
  appOf: (host: string) => string | null,
  targetsOf: (app: string) => readonly RouteTarget[] | undefined,
): Routing {
  if (hostHeaderCount(req.rawHeaders) > 1) return { kind: 'answer', status: 400, page: BAD_REQUEST_PAGE };
  const host = req.headers.host ?? '';
  const app = appOf(host);
  const targets = app === null ? undefined : targetsOf(app);
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
    protocol: isTls(req) ? 'https' : 'http',
    code: undefined,
    desc: undefined,
    logged: false,
  };
  return { kind: 'route', state, targets };
}

/**
 * The headers a dyno gets: the client's minus hop-by-hop ones, plus Heroku's X-Forwarded-For/-Proto/-Port,
 * X-Request-Start (ms) and X-Request-Id. Source: Heroku Dev Center, "HTTP Routing" (heroku headers).
 */
export function forwardedHeaders(req: IncomingMessage, state: RequestState, upgrade: boolean): IncomingHttpHeaders {
  const chunked = req.headers['transfer-encoding'] !== undefined;
  const headers = stripHopByHop(req.headers, upgrade);
  // node decodes a chunked body; keeping the header makes the upstream request chunked again.
  if (chunked) headers['transfer-encoding'] = 'chunked';
  headers['x-forwarded-for'] = state.fwd;
  headers['x-forwarded-proto'] = state.protocol;
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-request-start'] = String(state.start);
  headers['x-request-id'] = state.requestId;
  return headers;
}

/** The router log entry of a finished request (connect and service times, ms; 0 when no dyno was reached). */
export function logEntryOf(state: RequestState): RouterLogEntry {
  const reached = state.connectedAt > 0;
  const entry: RouterLogEntry = {
    app: state.app,
    at: atOf(state.code),
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
    protocol: state.protocol,
  };
  if (state.code) {
    entry.code = state.code;
    entry.desc = state.desc ?? '';
  }
  return entry;
}
