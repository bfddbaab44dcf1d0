/**
 * Real peers for the router contract: upstream dynos on 127.0.0.1:0, plain HTTP clients, raw sockets, a log recorder.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import type { RouterLogEntry } from '@platform/router-kit';

/** A real upstream on 127.0.0.1:0. */
export async function startUpstream(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  openSockets.set(server, sockets);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

const openSockets = new WeakMap<Server, Set<Socket>>();

/** Closes a server and every socket it accepted (upgraded sockets are not closed by closeAllConnections). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  });
}

/** A port nothing listens on (bound once, then released). */
export async function deadPort(): Promise<number> {
  const { server, port } = await startUpstream(() => {});
  await closeServer(server);
  return port;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function get(
  port: number,
  host: string,
  path = '/',
  headers: Record<string, string> = {},
  method = 'GET',
  body?: Buffer | string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host, ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes and resolves with everything the server wrote until it closed the connection. */
export function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

/** Collects router log entries and lets a test await a count (onLog fires when the response closes). */
export function logRecorder() {
  const entries: RouterLogEntry[] = [];
  const waiters: Array<() => void> = [];
  return {
    entries,
    onLog(entry: RouterLogEntry) {
      entries.push(entry);
      for (const w of waiters.splice(0)) w();
    },
    async waitFor(count: number, timeoutMs = 10_000): Promise<RouterLogEntry[]> {
      const deadline = Date.now() + timeoutMs;
      while (entries.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} log entries, got ${entries.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return entries;
    },
  };
}

/** An upstream answering with JSON {dyno, headers, method, url}, the way the contract's dynos answer. */
export async function startEchoUpstream(dyno: string): Promise<{ server: Server; target: { dyno: string; address: { host: string; port: number } } }> {
  const up = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ dyno, headers: req.headers, method: req.method, url: req.url }));
  });
  return { server: up.server, target: { dyno, address: { host: '127.0.0.1', port: up.port } } };
}

/**
 * Opens a connection and reports how it ended: `closed` once the router closed it (or reset it), with what it
 * wrote before. `feed` is called every `everyMs` while the connection is open (a slow client's next bytes).
 */
export function watchConnection(
  port: number,
  first: string,
  feed?: { everyMs: number; next: (n: number) => string },
): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(first);
      if (feed) {
        let n = 0;
        timer = setInterval(() => {
          if (socket.writable) socket.write(feed.next(n++));
        }, feed.everyMs);
      }
    });
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}

/** The `Sec-WebSocket-Accept` value for a key (RFC 6455 §4.2.2): proxies that check upgrades want it right. */
export function webSocketAccept(key: string): string {
  return createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
}

/** A self-signed certificate (openssl, from the `test` prerequisites) for `names`, the first as its CN. */
export async function selfSignedCertificate(names: string[]): Promise<{ chainPem: string; keyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'router-cert-'));
  try {
    const [key, crt] = [join(dir, 'c.key'), join(dir, 'c.crt')];
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]);
    return { chainPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** GET over TLS to 127.0.0.1 with SNI and Host `host` (the certificate is not verified: the test made it). */
export function httpsGet(port: number, host: string, path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
