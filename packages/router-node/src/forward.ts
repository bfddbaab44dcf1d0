import { request, type Agent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DynoAddress } from '@platform/types';
import { forwardableRawHeaders, withVia } from './headers.ts';
import type { RequestState } from './request-state.ts';
import type { RouteTarget } from '@platform/types';
import { pickTarget } from './route-table.ts';

/** What forwarding needs from the router. Times in ms. */
export interface ForwardContext {
  agentFor(address: DynoAddress): Agent;
  /** Answers the client with 503 and records Heroku's H-code (or destroys a response already started). */
  fail(state: RequestState, res: ServerResponse, code: string, desc: string): void;
  requestTimeoutMs: number;
  /** Once the response has started: no byte from the dyno for this long cuts it (H15), each byte restarting it. */
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  maxAttempts: number;
  logger?: { debug(obj: object, msg?: string): void } | undefined;
}

/**
 * Forwards one request to a dyno picked at random among those not yet failed for it, and relays the answer.
 * A refused or timed-out connect (and a stale pooled socket with nothing sent) is retried on another dyno, up to
 * `maxAttempts` in all; the body is only read once a dyno accepted the connection, so it is intact for a retry.
 * Failures become Heroku's codes: H19 connect timeout, H21 connection refused, H13 closed without a response,
 * H18 closed mid-response, H12 no response within `requestTimeoutMs`, H15 no byte for `idleTimeoutMs` once the
 * response started (a rolling window: each byte restarts it). Source: Heroku Dev Center, "Error Codes" and
 * "Request Timeout" (30 s to the first byte, then a rolling 55 s window).
 */
export function forwardRequest(
  ctx: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  state: RequestState,
  targets: readonly RouteTarget[],
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
  let stopIdle: () => void = () => undefined;
  let responded = false;
  let done = false;

  const upReq: ClientRequest = request({
    host: target.address.host,
    port: target.address.port,
    method: state.method,
    path: state.path,
    headers,
    agent: ctx.agentFor(target.address),
  });
  if (!hasBody) upReq.end();

  const onConnected = () => {
    if (connectTimer) clearTimeout(connectTimer);
    state.connectedAt = Date.now();
    // The body is only read once a dyno accepted the connection, so a refused connect can be
    // retried on another dyno with the body intact.
    if (hasBody) req.pipe(upReq);
    // Heroku's 30 s start once the whole request reached the dyno: a slow upload is no H12.
    const startClock = () => {
      if (done || responded) return;
      responseTimer = setTimeout(() => {
        done = true;
        ctx.fail(state, res, 'H12', 'Request timeout');
        upReq.destroy();
      }, ctx.requestTimeoutMs);
    };
    if (!hasBody || req.readableEnded) startClock();
    else req.once('end', startClock);
  };

  upReq.on('socket', (socket: Socket) => {
    if (socket.connecting) {
      socket.setNoDelay(true);
      connectTimer = setTimeout(() => {
        const err = new Error('connect timeout') as NodeJS.ErrnoException;
        err.code = 'ETIMEDOUT';
        upReq.destroy(err);
      }, ctx.connectTimeoutMs);
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
    res.writeHead(state.status, upRes.statusMessage, withVia(forwardableRawHeaders(upRes.rawHeaders)));
    stopIdle = relayResponse(upRes, res, state, ctx.idleTimeoutMs, () => {
      if (done) return false;
      done = true;
      return true;
    }, () => upReq.destroy());
  });

  upReq.on('error', (err: NodeJS.ErrnoException) => {
    if (connectTimer) clearTimeout(connectTimer);
    if (responseTimer) clearTimeout(responseTimer);
    stopIdle();
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
      if (attemptNo < ctx.maxAttempts && untried > 0) {
        ctx.logger?.debug(
          { app: state.app, dyno: target.dyno, code: err.code },
          'router retrying on another dyno',
        );
        done = true;
        forwardRequest(ctx, req, res, state, targets, headers, hasBody, nextFailed, attemptNo + 1);
        return;
      }
    }
    done = true;
    if (!connected) {
      state.connectedAt = 0;
      if (err.code === 'ETIMEDOUT') ctx.fail(state, res, 'H19', 'Backend connection timeout');
      else ctx.fail(state, res, 'H21', 'Backend connection refused');
    } else {
      ctx.fail(state, res, 'H13', 'Connection closed without response');
    }
  });

  res.once('close', () => {
    if (!done) {
      done = true;
      if (connectTimer) clearTimeout(connectTimer);
      if (responseTimer) clearTimeout(responseTimer);
      stopIdle();
      upReq.destroy();
    }
  });
}

/**
 * Relays a dyno's response to the client under Heroku's rolling window: a dyno silent for `idleTimeoutMs` once the
 * response started is cut off (H15); each byte restarts the window, which runs only while the router waits for the
 * dyno (a client too slow to read does not count against it). The dyno closing mid-response is H18. `settle`
 * claims the end of the exchange (false when something else ended it first); `cut` closes the dyno's side.
 * Returns what stops the window.
 */
function relayResponse(upRes: IncomingMessage, res: ServerResponse, state: RequestState, idleTimeoutMs: number, settle: () => boolean, cut: () => void): () => void {
  let idleTimer: NodeJS.Timeout | null = null;
  const stop = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  };
  const arm = () => {
    stop();
    idleTimer = setTimeout(() => {
      if (!settle()) return;
      state.code = 'H15';
      state.desc = 'Idle connection';
      state.status = 503;
      cut();
      res.destroy();
    }, idleTimeoutMs);
  };
  arm();
  upRes.on('data', (chunk: Buffer) => {
    state.bytes += chunk.length;
    if (res.write(chunk)) arm();
    else {
      stop();
      upRes.pause();
    }
  });
  res.on('drain', () => {
    arm();
    upRes.resume();
  });
  upRes.on('end', () => {
    stop();
    if (settle()) res.end();
  });
  upRes.on('aborted', () => {
    // The dyno closed the connection in the middle of the response.
    stop();
    if (!settle()) return;
    state.code = 'H18';
    state.desc = 'Server Request Interrupted';
    res.destroy();
  });
  return stop;
}
