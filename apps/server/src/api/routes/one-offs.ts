import type { FastifyInstance } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { OneOff } from '@platform/process-manager';
import type { ApiContext } from '../context.ts';
import { dynoJson } from '../serialize.ts';
import { startOneOff } from '../../services/one-offs.ts';
import { access } from '../access.ts';
import { coveredBy, type RevokedScope } from '../../services/access-events.ts';

/**
 * One-off dynos (`platform run`): `POST /apps/:app/dynos` starts `run.N` on the current release. Attached runs
 * return an `attach_url` holding a one-time secret; the client opens it as a WebSocket within ATTACH_WINDOW_MS.
 *
 * Attach protocol: server → client binary frames are `[1 stdout | 2 stderr] + bytes`; client → server binary
 * frames are stdin bytes. Text frames are JSON control messages: client `{"type":"eof"}`,
 * `{"type":"resize","cols":N,"rows":N}`; server `{"type":"exit","code":N|null,"signal":S|null}`, then close.
 * A client that disconnects before the exit ends the dyno: SIGHUP, then the grace period, then SIGKILL.
 * `heroku run` gets a `rendezvous://` URL for the same secret instead when that listener is on (attachUrlFor,
 * api/rendezvous.ts).
 */

const ATTACH_PATH_RE = /^\/dynos\/attach\/([A-Za-z0-9_-]{40,60})$/;
/** A started attached dyno nobody attaches to within this window is stopped. */
const ATTACH_WINDOW_MS = 60_000;
/** Above this many unsent bytes on the socket, the dyno's output is paused until the client catches up. */
const HIGH_WATER = 1024 * 1024;
/** After the exit, how long the last output may take to reach the socket. */
const OUTPUT_DRAIN_MS = 5_000;

/** Who started the one-off: a revocation covering them ends the session (and so the dyno). */
interface Owner {
  appId: string;
  userId: string;
  tokenId: string | null;
}

/** An open attach connection (a WebSocket, a rendezvous TLS socket): closing it ends its dyno. */
export interface AttachConnection {
  close(code: number, reason: string): void;
}

export interface Pending extends Owner {
  oneOff: OneOff;
  timer: NodeJS.Timeout;
}

/**
 * The one-time attach secrets and the open attach connections, whichever transport redeems them (the WebSocket
 * here, the rendezvous listener in api/rendezvous.ts): the same window, one use, the same revocations.
 */
export function createAttachSessions() {
  const pending = new Map<string, Pending>(); // by sha256 of the secret
  const open = new Map<AttachConnection, Owner>();
  const key = (secret: string) => createHash('sha256').update(secret).digest('hex');
  return {
    create(oneOff: OneOff, owner: Owner): string {
      const secret = randomBytes(32).toString('base64url');
      const k = key(secret);
      let exited = false;
      void oneOff.exited.then(() => (exited = true));
      // A fast command may finish before its client attaches: the session stays open for the whole window,
      // its output held in the dyno's streams, so the client still gets every byte and the exit code.
      const timer = setTimeout(() => {
        pending.delete(k);
        if (!exited) void oneOff.stop('SIGHUP');
      }, ATTACH_WINDOW_MS);
      timer.unref();
      pending.set(k, { oneOff, ...owner, timer });
      return secret;
    },
    /** One use only. */
    redeem(secret: string): Pending | null {
      const k = key(secret);
      const found = pending.get(k) ?? null;
      pending.delete(k);
      if (found) clearTimeout(found.timer);
      return found;
    },
    /** Registers an open connection for revocation; the returned function forgets it. */
    track(connection: AttachConnection, owner: Owner): () => void {
      open.set(connection, owner);
      return () => open.delete(connection);
    },
    /** Disconnects the attached clients `scope` covers (which ends their dynos) and stops their unattached dynos. */
    revoke(scope: RevokedScope): void {
      for (const [connection, owner] of [...open]) if (coveredBy(scope, owner)) connection.close(4003, 'access revoked');
      for (const [k, p] of pending) {
        if (!coveredBy(scope, p)) continue;
        clearTimeout(p.timer);
        pending.delete(k);
        void p.oneOff.stop('SIGHUP');
      }
    },
    /** Server shutdown: every attached client is disconnected (which ends its dyno), never-attached dynos too. */
    closeAll(): void {
      for (const connection of [...open.keys()]) connection.close(1001, 'server shutting down');
      for (const [k, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(k);
        void p.oneOff.stop('SIGHUP');
      }
    },
  };
}

export type AttachSessions = ReturnType<typeof createAttachSessions>;

/**
 * Which attach URL a client gets: `platform run` (User-Agent `platform-cli/…`) the WebSocket it speaks; any other
 * client — `heroku run` among them — Heroku's `rendezvous://host:port/<secret>` when the rendezvous listener is on
 * (PLATFORM_RENDEZVOUS_PORT), else the WebSocket too. Both redeem the same one-time secret.
 */
export function attachUrlFor(urls: ApiContext['urls'], userAgent: string | undefined, secret: string): string {
  const rendezvous = userAgent?.startsWith('platform-cli/') ? null : (urls.rendezvous?.() ?? null);
  return rendezvous ? `${rendezvous}/${secret}` : `${urls.api().replace(/^http/, 'ws')}/dynos/attach/${secret}`;
}

export function registerOneOffRoutes(api: FastifyInstance, ctx: ApiContext, sessions: AttachSessions): void {
  api.post<{ Params: { app: string } }>('/apps/:app/dynos', access('app:deploy'), async (request, reply) => {
    const { app, oneOff, run } = await startOneOff(ctx, request.user, request.params.app, request.body);
    let attachUrl: string | null = null;
    if (run.attach) {
      const secret = sessions.create(oneOff, { appId: app.id, userId: request.user.id, tokenId: request.tokenId });
      attachUrl = attachUrlFor(ctx.urls, request.headers['user-agent'], secret);
    }
    reply.status(201);
    return { ...dynoJson(app, oneOff.status, run.sizeName), attach_url: attachUrl };
  });
}

/** The WebSocket side of attach, on the API's HTTP server; the secret in the path is the credential. */
export function registerAttachUpgrade(app: FastifyInstance, ctx: ApiContext, sessions: AttachSessions): void {
  app.addHook('preClose', async () => sessions.closeAll());
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = ATTACH_PATH_RE.exec((req.url ?? '').split('?')[0] ?? '');
    if (!m) return; // not ours: another upgrade handler may take it
    const session = sessions.redeem(m[1]!);
    if (!session?.oneOff.attached) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveAttach(ctx, sessions, ws, session));
  });
}

function serveAttach(ctx: ApiContext, sessions: AttachSessions, ws: WebSocket, session: Pending): void {
  const { oneOff } = session;
  const io = oneOff.attached!;
  const untrack = sessions.track(ws, session);
  let finished = false;
  const log = ctx.logger.child({ component: 'attach', dyno: oneOff.status.name, app: oneOff.status.app });

  const outputs: Readable[] = [io.stdout, ...(io.stderr ? [io.stderr] : [])];
  const forward = (stream: Readable, channel: number) => {
    stream.on('data', (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(Buffer.concat([Buffer.from([channel]), chunk]), () => {
        if (ws.bufferedAmount < HIGH_WATER) for (const s of outputs) s.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) for (const s of outputs) s.pause();
    });
  };
  const ended = (stream: Readable) =>
    stream.readableEnded ? Promise.resolve() : new Promise<void>((resolve) => (stream.once('end', resolve), stream.once('close', resolve)));
  const outputEnded = Promise.all(outputs.map(ended));
  forward(io.stdout, 1);
  if (io.stderr) forward(io.stderr, 2);

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (!io.stdin.writableEnded && !io.stdin.destroyed) io.stdin.write(buf);
      return;
    }
    let msg: { type?: unknown; cols?: unknown; rows?: unknown };
    try {
      msg = JSON.parse(buf.toString('utf8')) as typeof msg;
    } catch {
      return;
    }
    if (msg.type === 'eof') {
      if (!io.stdin.writableEnded) io.stdin.end();
    } else if (msg.type === 'resize' && Number.isInteger(msg.cols) && Number.isInteger(msg.rows)) {
      const cols = msg.cols as number;
      const rows = msg.rows as number;
      if (cols > 0 && cols < 10_000 && rows > 0 && rows < 10_000) io.resize(cols, rows).catch((err) => log.warn({ err }, 'resize failed'));
    }
  });
  io.stdin.on('error', () => undefined); // the process may exit without reading its input

  void oneOff.exited.then(async (exit) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([outputEnded, new Promise((resolve) => (timer = setTimeout(resolve, OUTPUT_DRAIN_MS)))]);
    clearTimeout(timer);
    finished = true;
    if (ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify({ type: 'exit', code: exit.code, signal: exit.signal }));
      ws.close(1000);
    }
    untrack();
  });

  const disconnected = () => {
    untrack();
    if (finished) return;
    finished = true;
    log.info('attached client disconnected; stopping the one-off dyno');
    void oneOff.stop('SIGHUP');
  };
  ws.on('close', disconnected);
  ws.on('error', disconnected);
}
