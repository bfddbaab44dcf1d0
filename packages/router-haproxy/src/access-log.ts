import { createSocket, type Socket } from 'node:dgram';
import { atOf, H_CODES, type HCode, type RouterLogEntry } from '@platform/router-kit';
import { dynoOfServer } from './proxy-state.ts';

const NUMBER = '(-?\\d+)';
const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
/** One line of haproxy-config.ts's LOG_FORMAT. */
const LINE_RE = new RegExp(
  `^PLT1 ${QUOTED} ${QUOTED} ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER} (\\S{4}) ${QUOTED} ${QUOTED} ${QUOTED} ${QUOTED} ${QUOTED} ${QUOTED} ${QUOTED}\\s*$`,
);

const unquote = (s: string) => s.replace(/\\(.)/g, '$1');

/**
 * Heroku's H-code for a request HAProxy logged, from the first two characters of its termination state (`%tsc`,
 * HAProxy configuration manual §8.5) and the server (`<NOSRV>` when none was picked). The mapping:
 *
 *   H80 set by the maintenance rule · H10 by the crashed rule (every web dyno crashed) · `<NOSRV>` in an app's backend → H14 (no web dyno up)
 *   sH → H12 (no response within `timeout server`) · sD → H15 (stalled mid-response) · sC → H19 (connect timeout)
 *   sQ → H11 (queued too long) · SC → H21 (refused) · SH → H13 (closed before answering) · SD → H18 (closed
 *   mid-response) · PH → H17 (invalid response) · C? → H27 (client gone) · cD → H28 (client idle)
 */
export function hCodeOf(tsc: string, server: string, marked: string): HCode | undefined {
  if (marked === 'H80' || marked === 'H10') return marked;
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
  const m = LINE_RE.exec(line);
  if (!m) return null;
  const [, app, server, st, bytes, tc, tq, tw, ta, tsc, id, marked, method, path, host, fwd, proto] = m as unknown as string[];
  if (!app) return null;
  const code = hCodeOf(tsc!, unquote(server!), marked!);
  const dyno = dynoOfServer(unquote(server!));
  const connectMs = Number(tc);
  const reached = dyno !== null && connectMs >= 0;
  const total = Number(ta);
  const entry: RouterLogEntry = {
    app: app,
    at: atOf(code),
    method: unquote(method!),
    path: unquote(path!),
    host: unquote(host!),
    requestId: unquote(id!),
    fwd: unquote(fwd!),
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

/**
 * Receives HAProxy's access log on a UDP port of 127.0.0.1 (`log 127.0.0.1:<port> format raw`), one datagram per
 * line, and hands each request's entry to `onLog`. Port 0 picks a free one; a restarted platformd binds the port
 * its proxy logs to (router.json). Lines sent while no platformd listens are lost (UDP): the requests are not.
 */
export async function listenAccessLog(port: number, onLog: (entry: RouterLogEntry) => void, onError: (err: unknown) => void): Promise<{ port: number; close(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg) => {
    const entry = parseAccessLine(msg.toString('utf8'));
    if (!entry) return;
    try {
      onLog(entry);
    } catch (err) {
      onError(err);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', onError);
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
