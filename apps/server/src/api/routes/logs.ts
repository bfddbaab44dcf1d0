import type { FastifyInstance } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PlatformError, ErrorCodes } from '@platform/types';
import { formatEntry, type LogFilter, type LogSubscription } from '@platform/log-hub';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { appFor } from '../auth.ts';
import { coveredBy, type RevokedScope } from '../../services/access-events.ts';

const SESSION_TTL_MS = 5 * 60_000;
const MAX_LINES = 1500;
const DYNO_FILTER_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}(\.[1-9][0-9]{0,5})?$/;
const STREAM_PATH_RE = /^\/log-streams\/([A-Za-z0-9_-]{20,100})$/;
const HEARTBEAT_MS = 15_000;

interface LogSession {
  app: string;
  /** Who opened it: a revocation covering them closes the stream (or drops the unused URL). */
  appId: string;
  userId: string;
  tokenId: string | null;
  lines: number;
  tail: boolean;
  filter: LogFilter;
  expires: number;
}

/** One-time log-session tokens: created by the authenticated POST, redeemed once by the stream URL. */
export function createLogSessions() {
  const sessions = new Map<string, LogSession>();
  const open = new Map<{ close(): void }, LogSession>();
  return {
    create(session: Omit<LogSession, 'expires'>): string {
      const now = Date.now();
      for (const [k, s] of sessions) if (s.expires < now) sessions.delete(k);
      const token = randomBytes(24).toString('base64url');
      sessions.set(token, { ...session, expires: now + SESSION_TTL_MS });
      return token;
    },
    redeem(token: string): LogSession | null {
      const s = sessions.get(token);
      sessions.delete(token);
      return s && s.expires >= Date.now() ? s : null;
    },
    /** Streams being served, so a shutdown or a revocation can end them (a held-open response would block close()). */
    track(stream: { close(): void }, session: LogSession): () => void {
      open.set(stream, session);
      return () => open.delete(stream);
    },
    closeAll(): void {
      for (const s of [...open.keys()]) s.close();
    },
    /** Ends the streams and forgets the unused URLs that `scope` covers. */
    revoke(scope: RevokedScope): void {
      for (const [k, s] of sessions) if (coveredBy(scope, s)) sessions.delete(k);
      for (const [stream, s] of [...open]) if (coveredBy(scope, s)) stream.close();
    },
  };
}

export type LogSessions = ReturnType<typeof createLogSessions>;

function parseSessionBody(body: unknown): Omit<LogSession, 'expires' | 'app' | 'appId' | 'userId' | 'tokenId'> {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const bad = (message: string) => new PlatformError(ErrorCodes.invalidParams, message);
  let lines = 100;
  if (b.lines !== undefined && b.lines !== null) {
    lines = typeof b.lines === 'string' && /^\d+$/.test(b.lines) ? Number(b.lines) : (b.lines as number);
    if (!Number.isInteger(lines) || lines < 0 || lines > MAX_LINES) throw bad(`lines must be a whole number from 0 to ${MAX_LINES}.`);
  }
  const filter: LogFilter = {};
  // The Heroku CLI sends `dyno` (a dyno name or a type); the schema names them dyno_name and type.
  const dyno = b.dyno_name ?? b.dyno ?? b.type;
  if (dyno !== undefined && dyno !== null && dyno !== '') {
    if (typeof dyno !== 'string' || !DYNO_FILTER_RE.test(dyno)) throw bad('dyno must be a dyno name (web.1) or a process type (web).');
    filter.dyno = dyno;
  }
  if (b.source !== undefined && b.source !== null && b.source !== '') {
    if (b.source !== 'app' && b.source !== 'platform' && b.source !== 'heroku') throw bad('source must be app or platform.');
    filter.source = b.source === 'heroku' ? 'platform' : b.source;
  }
  if (b.tail !== undefined && typeof b.tail !== 'boolean') throw bad('tail must be true or false.');
  return { lines, tail: b.tail === true, filter };
}

/** `POST /apps/:app/log-sessions` (authenticated): a one-time URL streaming the app's log (SSE, or WebSocket). */
export function registerLogSessionRoutes(api: FastifyInstance, ctx: ApiContext, sessions: LogSessions): void {
  api.post<{ Params: { app: string } }>('/apps/:app/log-sessions', access('app:view'), async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    const token = sessions.create({ app: app.name, appId: app.id, userId: request.user.id, tokenId: request.tokenId, ...parseSessionBody(request.body) });
    const now = new Date().toISOString();
    reply.status(201);
    return { id: randomUUID(), logplex_url: `${ctx.urls.api()}/log-streams/${token}`, created_at: now, updated_at: now };
  });
}

/** Lines of a batch without characters that would break an SSE frame or a line protocol. */
const linesOf = (batch: Parameters<typeof formatEntry>[0][]) => batch.map((e) => formatEntry(e).replace(/\r/g, ''));

/**
 * The stream behind `logplex_url`: unauthenticated (the one-time token in the path is the credential).
 * GET → Server-Sent Events (each `message` event's data holds one or more lines); Upgrade → WebSocket
 * (one text message per batch, lines joined by \n). Both read at the client's pace: a slow reader's
 * subscription skips entries with an L11 marker instead of growing.
 */
export function registerLogStreamRoutes(app: FastifyInstance, ctx: ApiContext, sessions: LogSessions): void {
  app.addHook('preClose', async () => sessions.closeAll());

  app.get<{ Params: { token: string } }>('/log-streams/:token', access('session'), async (request, reply) => {
    const session = await live(ctx, sessions.redeem(request.params.token));
    if (!session) throw new PlatformError('PLT_NOT_FOUND', 'This log session has expired or was already used; create a new one.');
    const sub = ctx.logs.subscribe(session.app, { lines: session.lines, tail: session.tail, filter: session.filter });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'request-id': request.id,
    });
    res.flushHeaders();
    let ended = false;
    const heartbeat = session.tail ? setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS) : null;
    const end = () => {
      if (ended) return;
      ended = true;
      if (heartbeat) clearInterval(heartbeat);
      sub.close();
      untrack();
      res.end();
    };
    const untrack = sessions.track({ close: end }, session);
    request.raw.socket.on('close', end);
    res.on('close', end);
    void pumpTo(sub, async (lines) => {
      if (ended) return false;
      if (!res.write(`data: ${lines.join('\ndata: ')}\n\n`)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      return !ended;
    }).finally(end);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = STREAM_PATH_RE.exec((req.url ?? '').split('?')[0] ?? '');
    if (!m) return; // not ours: another upgrade handler may take it
    const upgrade = (session: LogSession) => wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const sub = ctx.logs.subscribe(session.app, { lines: session.lines, tail: session.tail, filter: session.filter });
      const close = () => {
        sub.close();
        untrack();
        if (ws.readyState === ws.OPEN) ws.close(1000);
      };
      const untrack = sessions.track({ close }, session);
      ws.on('close', close);
      ws.on('error', close);
      void pumpTo(sub, (lines) =>
        ws.readyState !== ws.OPEN
          ? false
          : new Promise<boolean>((resolve) => ws.send(lines.join('\n'), (err) => resolve(!err))),
      ).finally(close);
    });
    void live(ctx, sessions.redeem(m[1]!)).then((session) => {
      if (!session) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      upgrade(session);
    }, () => socket.destroy());
  });
}

/**
 * The session if its app is still the one it was opened on: an app destroyed and re-created under the same name
 * (by anyone) is another app, and its log is not this session's to read.
 */
async function live(ctx: Pick<ApiContext, 'store'>, session: LogSession | null): Promise<LogSession | null> {
  if (!session) return null;
  const app = await ctx.store.apps.find(session.app);
  return app?.id === session.appId ? session : null;
}

/** Reads batches until the subscription ends or the writer says stop; each write is awaited (back-pressure). */
async function pumpTo(sub: LogSubscription, write: (lines: string[]) => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    const batch = await sub.next();
    if (!batch) return;
    if (!(await write(linesOf(batch)))) return;
  }
}
