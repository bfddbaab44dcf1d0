import type { FastifyInstance } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ErrorCodes, PlatformError, isValidConfigKey, type DynoSize } from '@platform/types';
import type { OneOff } from '@platform/process-manager';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { dynoJson } from '../serialize.ts';
import { releaseTarget } from '../../deploy/targets.ts';

/**
 * One-off dynos (`platform run`): `POST /apps/:app/dynos` starts `run.N` on the current release. Attached runs
 * return an `attach_url` holding a one-time secret; the client opens it as a WebSocket within ATTACH_WINDOW_MS.
 *
 * Attach protocol: server → client binary frames are `[1 stdout | 2 stderr] + bytes`; client → server binary
 * frames are stdin bytes. Text frames are JSON control messages: client `{"type":"eof"}`,
 * `{"type":"resize","cols":N,"rows":N}`; server `{"type":"exit","code":N|null,"signal":S|null}`, then close.
 * A client that disconnects before the exit ends the dyno: SIGHUP, then the grace period, then SIGKILL.
 */

const ATTACH_PATH_RE = /^\/dynos\/attach\/([A-Za-z0-9_-]{40,60})$/;
/** A started attached dyno nobody attaches to within this window is stopped. */
const ATTACH_WINDOW_MS = 60_000;
const MAX_TTL_S = 86_400;
const MAX_COMMAND_BYTES = 64 * 1024;
const MAX_ENV_BYTES = 32 * 1024;
/** Above this many unsent bytes on the socket, the dyno's output is paused until the client catches up. */
const HIGH_WATER = 1024 * 1024;
/** After the exit, how long the last output may take to reach the socket. */
const OUTPUT_DRAIN_MS = 5_000;

/** Sizes as in the formation; memory in MiB. Names are matched case-insensitively. */
const SIZES: Record<string, DynoSize> = {
  'standard': { memoryMb: 512, pids: 256 },
  'standard-1x': { memoryMb: 512, pids: 256 },
  'basic': { memoryMb: 512, pids: 256 },
  'eco': { memoryMb: 512, pids: 256 },
  'standard-2x': { memoryMb: 1024, pids: 512 },
  'performance-m': { memoryMb: 2560, pids: 16_384 },
  'performance-l': { memoryMb: 14_336, pids: 32_768 },
};

interface Pending {
  oneOff: OneOff;
  appId: string;
  timer: NodeJS.Timeout;
}

export function createAttachSessions() {
  const pending = new Map<string, Pending>(); // by sha256 of the secret
  const open = new Set<WebSocket>();
  const key = (secret: string) => createHash('sha256').update(secret).digest('hex');
  return {
    create(oneOff: OneOff, appId: string): string {
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
      pending.set(k, { oneOff, appId, timer });
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
    track(ws: WebSocket): () => void {
      open.add(ws);
      return () => open.delete(ws);
    },
    /** Server shutdown: every attached client is disconnected (which ends its dyno), never-attached dynos too. */
    closeAll(): void {
      for (const ws of [...open]) ws.close(1001, 'server shutting down');
      for (const [k, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(k);
        void p.oneOff.stop('SIGHUP');
      }
    },
  };
}

export type AttachSessions = ReturnType<typeof createAttachSessions>;

interface RunRequest {
  command: string;
  attach: boolean;
  tty: boolean;
  env: Record<string, string>;
  size: DynoSize | undefined;
  sizeName: string;
  ttlMs: number;
}

export function parseRunBody(body: unknown): RunRequest {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const bad = (message: string) => new PlatformError(ErrorCodes.invalidParams, message);
  if (typeof b.command !== 'string' || b.command.trim() === '') throw bad('A command is required, e.g. platform run bash.');
  if (b.command.includes('\0') || Buffer.byteLength(b.command) > MAX_COMMAND_BYTES) throw bad('The command is too long or holds a NUL byte.');
  if (b.attach !== undefined && b.attach !== null && typeof b.attach !== 'boolean') throw bad('attach must be true or false.');
  if (b.type !== undefined && b.type !== null && b.type !== 'run') throw bad('type must be run.');
  const env: Record<string, string> = {};
  if (b.env !== undefined && b.env !== null) {
    if (typeof b.env !== 'object' || Array.isArray(b.env)) throw bad('env must be an object of KEY: value.');
    let bytes = 0;
    for (const [k, v] of Object.entries(b.env as Record<string, unknown>)) {
      if (!isValidConfigKey(k)) throw bad(`Invalid env var name ${JSON.stringify(k).slice(0, 80)}: use letters, digits and _.`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(`env ${k} must be a string.`);
      const value = String(v);
      if (value.includes('\0')) throw bad(`env ${k} holds a NUL byte.`);
      bytes += Buffer.byteLength(k) + Buffer.byteLength(value);
      env[k] = value;
    }
    if (bytes > MAX_ENV_BYTES) throw bad('env is larger than 32 kB.');
  }
  let size: DynoSize | undefined;
  if (b.size !== undefined && b.size !== null && b.size !== '') {
    size = typeof b.size === 'string' ? SIZES[b.size.toLowerCase()] : undefined;
    if (!size) throw bad(`Unknown dyno size ${JSON.stringify(b.size).slice(0, 40)}. Use one of: ${Object.keys(SIZES).join(', ')}.`);
  }
  let ttl = MAX_TTL_S;
  if (b.time_to_live !== undefined && b.time_to_live !== null) {
    ttl = typeof b.time_to_live === 'string' && /^\d+$/.test(b.time_to_live) ? Number(b.time_to_live) : (b.time_to_live as number);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_S) throw bad(`time_to_live must be a whole number of seconds from 1 to ${MAX_TTL_S}.`);
  }
  const attach = b.attach === true;
  const sizeName = size ? (b.size as string) : 'standard';
  return { command: b.command.trim(), attach, tty: attach && b.force_no_tty !== true, env, size, sizeName, ttlMs: ttl * 1000 };
}

/** Heroku semantics: a first word naming a Procfile type is replaced by its command; the rest is appended. */
export function substituteProcessType(command: string, commands: Readonly<Record<string, string>>): string {
  const m = /^(\S+)(.*)$/s.exec(command)!;
  const first = m[1]!;
  return Object.hasOwn(commands, first) ? `${commands[first]}${m[2]}` : command;
}

const dimension = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n < 10_000 ? n : fallback;
};

export function registerOneOffRoutes(api: FastifyInstance, ctx: ApiContext, sessions: AttachSessions): void {
  api.post<{ Params: { app: string } }>('/apps/:app/dynos', async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    const run = parseRunBody(request.body);
    const current = await ctx.store.releases.current(app.id);
    if (!current) throw new PlatformError('PLT_NO_RELEASE', `${app.name} has no release to run on yet. Deploy it first: git push platform main.`);
    const release = await releaseTarget(ctx.store, path.join(ctx.config.dataDir, 'slugs'), current);
    const oneOff = await ctx.manager.runOneOff({
      app: app.name,
      appId: app.id,
      release,
      command: substituteProcessType(run.command, release.commands),
      env: { ...release.env, ...run.env },
      size: run.size,
      attach: run.attach ? { tty: run.tty, cols: dimension(run.env.COLUMNS, 80), rows: dimension(run.env.LINES, 24) } : null,
      ttlMs: run.ttlMs,
      by: request.user.email,
    });
    let attachUrl: string | null = null;
    if (run.attach) {
      const secret = sessions.create(oneOff, app.id);
      attachUrl = `${ctx.urls.api().replace(/^http/, 'ws')}/dynos/attach/${secret}`;
    }
    reply.status(201);
    return { ...dynoJson(app, oneOff.status), size: run.sizeName, attach_url: attachUrl };
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
    wss.handleUpgrade(req, socket, head, (ws) => serveAttach(ctx, sessions, ws, session.oneOff));
  });
}

function serveAttach(ctx: ApiContext, sessions: AttachSessions, ws: WebSocket, oneOff: OneOff): void {
  const io = oneOff.attached!;
  const untrack = sessions.track(ws);
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
