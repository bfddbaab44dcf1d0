import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestState } from './request-state.ts';
import type { RouteTarget } from '@platform/types';
import { withVia } from './headers.ts';

export interface UpgradeJob {
  req: IncomingMessage;
  socket: Socket;
  head: Buffer;
  state: RequestState;
  targets: readonly RouteTarget[];
  headers: IncomingHttpHeaders;
  maxAttempts: number;
  connectTimeoutMs: number;
  pickTarget(targets: readonly RouteTarget[], failed: Set<RouteTarget> | null): RouteTarget;
  /** Called once: `page` true when the router must still answer the client with a 503. */
  done(page: boolean): void;
}

/**
 * Proxies an HTTP Upgrade (WebSocket) request: a fresh connection to a dyno (an upgraded socket
 * leaves the keep-alive pool anyway), the dyno's 101 answer relayed verbatim, then bytes both ways.
 * A refused connect is retried on another dyno, as for plain requests.
 */
export function proxyUpgrade(job: UpgradeJob): void {
  const { socket, state } = job;
  const failed = new Set<RouteTarget>();
  let finished = false;
  const finish = (page: boolean) => {
    if (finished) return;
    finished = true;
    job.done(page);
  };
  socket.on('error', () => socket.destroy());

  const tryOnce = (attemptNo: number) => {
    const target = job.pickTarget(job.targets, failed);
    state.dyno = target.dyno;
    state.connectStart = Date.now();
    state.connectedAt = 0;
    const upReq = request({
      host: target.address.host,
      port: target.address.port,
      method: state.method,
      path: state.path,
      headers: job.headers,
      agent: false,
    });
    const connectTimer = setTimeout(
      () => upReq.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      job.connectTimeoutMs,
    );
    upReq.on('socket', (s: Socket) => {
      s.once('connect', () => {
        clearTimeout(connectTimer);
        state.connectedAt = Date.now();
      });
    });
    socket.once('close', () => upReq.destroy());

    upReq.on('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
      state.status = upRes.statusCode ?? 101;
      if (!socket.writable) {
        upSocket.destroy();
        finish(false);
        return;
      }
      socket.write(statusLine(upRes) + rawHeaderLines(withVia([...upRes.rawHeaders])) + '\r\n');
      if (upHead.length > 0) socket.write(upHead);
      if (job.head.length > 0) upSocket.write(job.head);
      upSocket.setNoDelay(true);
      socket.setNoDelay(true);
      upSocket.on('data', (chunk: Buffer) => (state.bytes += chunk.length));
      upSocket.pipe(socket);
      socket.pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      upSocket.on('close', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      finish(false);
    });

    upReq.on('response', (upRes: IncomingMessage) => {
      // The dyno refused to upgrade: relay its answer and close.
      state.status = upRes.statusCode ?? 502;
      socket.write(statusLine(upRes) + rawHeaderLines(upRes.rawHeaders) + 'connection: close\r\n\r\n');
      upRes.on('data', (chunk: Buffer) => (state.bytes += chunk.length));
      upRes.pipe(socket);
      finish(false);
    });

    upReq.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (finished || socket.destroyed) {
        finish(false);
        return;
      }
      if (state.connectedAt === 0) {
        failed.add(target);
        if (attemptNo < job.maxAttempts && failed.size < job.targets.length) {
          tryOnce(attemptNo + 1);
          return;
        }
        state.code = err.code === 'ETIMEDOUT' ? 'H19' : 'H21';
        state.desc = err.code === 'ETIMEDOUT' ? 'Backend connection timeout' : 'Backend connection refused';
      } else {
        state.code = 'H13';
        state.desc = 'Connection closed without response';
      }
      state.status = 503;
      finish(true);
    });
    upReq.end();
  };
  tryOnce(1);
}

function statusLine(res: IncomingMessage): string {
  return `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
}

function rawHeaderLines(raw: string[]): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Framing headers of a refused upgrade's body would not match the piped (decoded) body.
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding' || lower === 'content-length') continue;
    out += `${name}: ${raw[i + 1]}\r\n`;
  }
  return out;
}
