import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, logRecorder, selfSignedCertificate, startUpstream, webSocketAccept } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';
/** Shorter than Heroku's 30 s and 55 s, in the same proportion of gap to first byte. */
const [FIRST_BYTE_MS, WINDOW_MS] = [1_000, 3_000];

/** One client connection: raw HTTP/1.1 out, everything the proxy answered in, awaited by condition. */
function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => ((text += c), wake()));
  socket.on('close', () => ((closed = true), wake()));
  socket.on('error', () => undefined);
  /** The final responses' status codes so far (interim 100s aside; a body without a newline runs into the next). */
  const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])).filter((s) => s !== 100);
  return {
    send: (data: string) => socket.write(data),
    statuses,
    text: () => text,
    closed: () => closed,
    /** Resolves once `count` final responses came, or the connection closed. */
    responses: (count: number) =>
      new Promise<number[]>((resolve) => {
        const check = () => (statuses().length >= count || closed) && (waiters.delete(check), resolve(statuses()));
        waiters.add(check);
        check();
      }),
    end: () => socket.destroy(),
  };
}

const request = (method: string, path: string, extra = '') => `${method} ${path} HTTP/1.1\r\nHost: shop.localhost\r\n${extra}\r\n`;

describe.skipIf(!existsSync(BINARY))('haproxy router: the first-byte timeout apart from the window, at the edges', () => {
  let dir: string;
  let router: HaproxyRouter;
  let up: Awaited<ReturnType<typeof startUpstream>>;
  const log = logRecorder();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-haproxy-first-byte-'));
    router = createHaproxyRouter({ dir: join(dir, 'router'), domain: 'localhost', listen: { host: '127.0.0.1', port: await freePort() }, tlsPort: 0, onLog: log.onLog, timeouts: { requestMs: FIRST_BYTE_MS, idleMs: WINDOW_MS } });
    up = await startUpstream((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), FIRST_BYTE_MS * 1.5);
      else if (req.url === '/events') {
        // A first byte at once, then gaps longer than the first-byte timeout and shorter than the window.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 0\n\n');
        let n = 0;
        const timer = setInterval(() => (res.write(`data: ${++n}\n\n`), n === 2 && (clearInterval(timer), res.end())), FIRST_BYTE_MS * 2);
      } else req.resume().on('end', () => res.end('fast'));
    });
    up.server.on('upgrade', (req, socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${webSocketAccept(String(req.headers['sec-websocket-key']))}\r\n\r\n`);
      socket.on('data', (chunk: Buffer) => socket.write(`echo:${chunk.toString()}`));
      socket.on('end', () => socket.end());
    });
    await router.start();
    await router.setRoutes('shop', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);
    await router.setCertificates([{ id: 'c1', app: 'shop', hostnames: ['shop.localhost'], ...(await selfSignedCertificate(['shop.localhost'])) }]);
  });
  afterAll(async () => {
    await router.close();
    await router.stopProxy();
    await closeServer(up.server);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the client connection after an H12 (GET and HEAD), the next request on it served, and times a reused dyno connection anew', async () => {
    const client = rawClient(router.port());
    client.send(request('GET', '/fast'));
    await client.responses(1);
    client.send(request('GET', '/slow')); // on the dyno connection the first request used
    expect(await client.responses(2)).toEqual([200, 503]);
    client.send(request('HEAD', '/slow'));
    expect(await client.responses(3)).toEqual([200, 503, 503]);
    client.send(request('GET', '/fast'));
    expect(await client.responses(4)).toEqual([200, 503, 503, 200]);
    expect(client.closed()).toBe(false);
    // The HEAD's 503 carries no body: the next response follows its headers at once.
    expect(client.text()).toMatch(/content-length: \d+\r\n(?:[^\r\n]+\r\n)*\r\nHTTP\/1\.1 200/i);
    client.end();
    const codes = (await log.waitFor(4)).slice(-4).map((e) => [e.method, e.path, e.status, e.code ?? null]);
    expect(codes).toEqual([['GET', '/fast', 200, null], ['GET', '/slow', 503, 'H12'], ['HEAD', '/slow', 503, 'H12'], ['GET', '/fast', 200, null]]);
  });

  it('times an Expect: 100-continue upload from the end of its body', async () => {
    for (const [path, status] of [['/slow', 503], ['/fast', 200]] as const) {
      const client = rawClient(router.port());
      client.send(request('POST', path, 'Content-Length: 5\r\nExpect: 100-continue\r\n'));
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => /100 Continue/.test(client.text()) && (clearInterval(poll), resolve()), 10);
      });
      client.send('hello');
      expect(await client.responses(1)).toEqual([status]);
      client.end();
    }
  });

  it('over HTTP/2, answers H12 on one stream while the others and the session go on; a stream with gaps longer than the first-byte timeout lives', async () => {
    const session = http2Connect(`https://127.0.0.1:${router.tlsPort()}`, { servername: 'shop.localhost', rejectUnauthorized: false });
    const fetch2 = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':path': path, ':authority': 'shop.localhost' });
        let [status, body] = [0, ''];
        req.on('response', (headers) => (status = Number(headers[':status'])));
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end();
      });
    try {
      const [slow, fast, events] = await Promise.all([fetch2('/slow'), fetch2('/fast'), fetch2('/events')]);
      expect([slow.status, fast.status, events.status]).toEqual([503, 200, 200]);
      expect(slow.body).toContain('Application error');
      expect(events.body).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
      expect(await fetch2('/fast')).toEqual({ status: 200, body: 'fast' });
    } finally {
      session.close();
    }
  });
  it('keeps a WebSocket idle for longer than both the first-byte timeout and the window (timeout tunnel)', async () => {
    const client = rawClient(router.port());
    client.send(request('GET', '/ws', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'));
    expect(await client.responses(1)).toEqual([101]);
    // Idle is the behaviour under test: no byte either way for longer than the window.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + FIRST_BYTE_MS));
    expect(client.closed()).toBe(false);
    client.send('ping');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (client.text().endsWith('echo:ping')) resolve();
        else if (client.closed()) reject(new Error(`closed: ${client.text()}`));
        else return;
        clearInterval(poll);
      }, 10);
    });
    client.end();
  });
});
