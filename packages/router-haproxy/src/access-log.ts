import { chmod, rename, stat, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { atOf, H_CODES, type HCode, type RouterLogEntry } from '@platform/router-kit';
import { dynoOfServer } from './proxy-state.ts';

/**
 * The shape of one line of haproxy-config.ts's LOG_FORMAT after `PLT1 `, field by field: Q a quoted string
 * (`%{+Q}`: `"…"`, a backslash escapes the next character), N an integer, T the 4-character termination state.
 */
const FIELDS = 'QQNNNNNNTQQQQQQQ';

/**
 * The fields of one access-log line, quoted ones unescaped, or null for a line of any other shape. A scanner
 * rather than a regular expression: platformd runs it once per request, and this is several times cheaper.
 */
export function splitAccessLine(line: string): string[] | null {
  if (!line.startsWith('PLT1 ')) return null;
  const n = line.length;
  const out: string[] = [];
  let i = 5;
  for (let f = 0; f < FIELDS.length; f++) {
    if (f > 0 && line.charCodeAt(i++) !== 32) return null;
    const kind = FIELDS.charCodeAt(f);
    if (kind === 81 /* Q */) {
      if (line.charCodeAt(i) !== 34) return null;
      let j = i + 1;
      let escaped = false;
      for (;;) {
        if (j >= n) return null;
        const c = line.charCodeAt(j);
        if (c === 34) break;
        if (c === 92) {
          escaped = true;
          j += 2;
        } else j++;
      }
      const raw = line.slice(i + 1, j);
      out.push(escaped ? raw.replace(/\\(.)/g, '$1') : raw);
      i = j + 1;
    } else {
      let j = i;
      while (j < n && line.charCodeAt(j) > 32) j++;
      const token = line.slice(i, j);
      if (kind === 78 /* N */ ? !isInteger(token) : token.length !== 4) return null;
      out.push(token);
      i = j;
    }
  }
  return line.slice(i).trim() === '' ? out : null;
}

function isInteger(s: string): boolean {
  const start = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (s.length === start) return false;
  for (let k = start; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Heroku's H-code for a request HAProxy logged, from the first two characters of its termination state (`%tsc`,
 * HAProxy configuration manual §8.5) and the server (`<NOSRV>` when none was picked). The mapping:
 *
 *   H80 set by the maintenance rule · H10 by the crashed rule (every web dyno crashed) · H11 by the backlog rule · H12 by
 *   the first-byte action (first-byte.ts) · `<NOSRV>` in an app's backend → H14 (no web dyno up)
 *   sH → H12 (an upload's dyno silent for `set-timeout server` after the body) · sD → H15 (stalled mid-response) · sC → H19 (connect timeout)
 *   sQ → H11 (queued too long) · SC → H21 (refused) · SH → H13 (closed before answering) · SD → H18 (closed
 *   mid-response) · PH → H17 (invalid response) · C? → H27 (client gone) · cD → H28 (client idle)
 */
export function hCodeOf(tsc: string, server: string, marked: string): HCode | undefined {
  if (marked === 'H80' || marked === 'H10' || marked === 'H11' || marked === 'H12') return marked;
  const state = tsc.slice(0, 2);
  if (server === '<NOSRV>' && (state === 'SC' || state === '--')) return 'H14';
  if (state[0] === 'C') return 'H27';
  const table: Record<string, HCode> = { sH: 'H12', sD: 'H15', sC: 'H19', sQ: 'H11', SC: 'H21', SH: 'H13', SD: 'H18', PH: 'H17', cD: 'H28' };
  return table[state];
}

/**
 * The router log entry of one access-log line, or null for anything else (HAProxy's own notices, a request no
 * app was found for). Times in ms; `service` runs from the dyno's accept to the end of the exchange.
 */
export function parseAccessLine(line: string): RouterLogEntry | null {
  const m = splitAccessLine(line);
  if (!m) return null;
  const [app, server, st, bytes, tc, tq, tw, ta, tsc, id, marked, method, path, host, fwd, proto] = m as [string, ...string[]];
  if (!app) return null;
  const code = hCodeOf(tsc!, server!, marked!);
  const dyno = dynoOfServer(server!);
  const connectMs = Number(tc);
  const reached = dyno !== null && connectMs >= 0;
  const total = Number(ta);
  const entry: RouterLogEntry = {
    app: app,
    at: atOf(code),
    method: method!,
    path: path!,
    host: host!,
    requestId: id!,
    fwd: fwd!,
    dyno: reached || code === 'H12' || code === 'H13' ? dyno : null,
    connectMs: reached ? connectMs : 0,
    serviceMs: reached ? Math.max(0, total - Math.max(0, Number(tq)) - Math.max(0, Number(tw)) - connectMs) : 0,
    status: code ? H_CODES[code].status : Number(st),
    bytes: Math.max(0, Number(bytes)),
    protocol: proto === 'https' ? 'https' : 'http',
  };
  if (code) {
    entry.code = code;
    entry.desc = H_CODES[code].desc;
  }
  return entry;
}

let listeners = 0;
/** How long a closing listener reads a connection that does not close after its half-close, in ms. */
const DRAIN_MS = 2_000;

/**
 * Receives HAProxy's access log on a unix stream socket (the config's `ring access`, `server platformd
 * unix@<socket>`, format raw: one line per request, newline-terminated) and hands each request's entry to
 * `onLog`. The proxy keeps lines in its ring while no platformd listens (a restart, an upgrade) and sends them
 * once one does, so they are late, not lost (up to the ring's 1 MiB). A stale socket file is replaced. The
 * socket sits in the router's private directory: only the proxy writes router lines (and the log keeper,
 * bin/log-keeper.mjs, handing over what it kept). `owned()` tells whether the path still names this listener
 * (the keeper may have bound it in the moment this one started: then listen again).
 */
export async function listenAccessLog(
  socketPath: string,
  onLog: (entry: RouterLogEntry) => void,
  onError: (err: unknown) => void,
): Promise<{ close(): Promise<void>; owned(): Promise<boolean> }> {
  // Bound under a name of its own, then renamed over the path: Node unlinks a unix server's path when it closes,
  // which must never remove a listener (the log keeper's, the next one's) that took the path since.
  const own = `${socketPath}.${process.pid}-${++listeners}`;
  await unlink(own).catch(() => undefined);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    let rest = '';
    socket.on('data', (chunk: string) => {
      const text = rest + chunk;
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        const entry = parseAccessLine(text.slice(start, end));
        start = end + 1;
        if (!entry) continue;
        try {
          onLog(entry);
        } catch (err) {
          onError(err);
        }
      }
      // A line longer than HAProxy's maxlen cannot come: drop the rest rather than grow without bound.
      rest = text.length - start > 65_536 ? '' : text.slice(start);
    });
    // An old worker's connection ends with a reset at a reload: nothing to report.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(own, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(own, 0o600);
  const { ino } = await stat(own);
  await rename(own, socketPath);
  server.on('error', onError);
  return {
    owned: async () => (await stat(socketPath).catch(() => null))?.ino === ino,
    // The forwarder's connection is half-closed and read to its end, not destroyed: a line HAProxy wrote just
    // before (unread in the socket's buffer) would be lost, as HAProxy counts it sent. It connects again (to the
    // log keeper or the next listener) once it closed; a peer that never closes is cut after `DRAIN_MS`.
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, DRAIN_MS);
        server.close(() => (clearTimeout(timer), resolve()));
        for (const socket of sockets) socket.end();
      }),
  };
}
