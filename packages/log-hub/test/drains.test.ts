import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogHub, parseOctetFrames, type LogHub } from '../src/index.ts';

const run = promisify(execFile);
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function hubFor(options: Parameters<typeof createLogHub>[0] = {}): LogHub {
  // The receivers here listen on 127.0.0.1, which the default drain policy refuses (drain-guard.test.ts).
  const hub = createLogHub({ drainBackoff: { minMs: 20, maxMs: 200 }, dropReportMs: 50, drainPolicy: { allow: ['loopback'] }, ...options });
  cleanups.push(() => hub.close());
  return hub;
}

/** A TCP (or TLS) syslog receiver collecting octet-counted messages. */
async function syslogReceiver(server: net.Server) {
  const messages: string[] = [];
  const sockets = new Set<net.Socket>();
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    sockets.add(socket);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const parsed = parseOctetFrames(Buffer.concat([buf, chunk]));
      messages.push(...parsed.messages);
      buf = parsed.rest;
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, messages };
}

const RFC5424 = /^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) - - (.*)$/;

describe('syslog drains', () => {
  let certDir: string;
  beforeAll(async () => {
    certDir = await mkdtemp(path.join(tmpdir(), 'log-hub-tls-'));
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
    ]);
  });
  afterAll(() => rm(certDir, { recursive: true, force: true }));

  it('delivers RFC 5424 octet-counted messages over TCP with the token as hostname', async () => {
    const rx = await syslogReceiver(net.createServer());
    const hub = hubFor();
    hub.addDrain('myapp', { id: 'x', url: `syslog://127.0.0.1:${rx.port}`, token: 'd.1111' });
    hub.append('myapp', { source: 'app', process: 'web.1', message: 'hello world' });
    hub.append('myapp', { source: 'platform', process: 'router', message: 'at=info method=GET path="/"' });
    hub.append('other', { source: 'app', process: 'web.1', message: 'not mine' });
    await eventually(() => expect(rx.messages).toHaveLength(2));
    const [a, b] = rx.messages.map((m) => RFC5424.exec(m)!);
    expect(a!.slice(1)).toEqual(['190', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/), 'd.1111', 'app', 'web.1', 'hello world']);
    expect(b!.slice(1, 6)).toEqual(['158', expect.any(String), 'd.1111', 'platform', 'router']);
  });

  it('delivers over TLS', async () => {
    const [key, cert] = await Promise.all([readFile(path.join(certDir, 'key.pem')), readFile(path.join(certDir, 'cert.pem'))]);
    const rx = await syslogReceiver(tls.createServer({ key, cert }));
    const hub = hubFor({ drainTls: { ca: cert } });
    hub.addDrain('myapp', { id: 'x', url: `syslog+tls://127.0.0.1:${rx.port}`, token: 'd.2222' });
    hub.append('myapp', { source: 'app', process: 'worker.1', message: 'über tls' });
    await eventually(() => expect(rx.messages).toHaveLength(1));
    expect(rx.messages[0]).toMatch(/^<190>1 \S+ d\.2222 app worker\.1 - - über tls$/);
  });

  it('drops with an L10 warning in the stream when the receiver never reads, holding a bounded buffer', async () => {
    const held = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      socket.pause(); // never reads
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const s of held) s.destroy();
      server.close();
    });
    const port = (server.address() as AddressInfo).port;
    const hub = hubFor({ drainBufferSize: 100 });
    hub.addDrain('flood', { id: 'x', url: `syslog://127.0.0.1:${port}`, token: 'd.3333' });
    const line = 'y'.repeat(1000);
    // Far more than the kernel's socket buffers can take: the receiver never reads.
    for (let i = 0; i < 30_000; i++) {
      hub.append('flood', { source: 'app', process: 'web.1', message: line });
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(hub.drains('flood')[0]!.pending).toBeLessThanOrEqual(100);
    await eventually(() =>
      expect(hub.history('flood', { lines: 1500, filter: { source: 'platform' } }).map((e) => e.message).join('\n')).toMatch(
        /Error L10 \(output buffer overflow\): \d+ messages dropped since .* \(drain d\.3333\)/,
      ),
    );
  });

  it('drops with an L10 warning when the drain is unreachable, and retries', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const hub = hubFor({ drainBufferSize: 10 });
    hub.addDrain('dead', { id: 'x', url: `syslog://127.0.0.1:${port}`, token: 'd.4444' });
    for (let i = 0; i < 50; i++) hub.append('dead', { source: 'app', process: 'web.1', message: `m${i}` });
    await eventually(() => expect(hub.history('dead', { filter: { dyno: 'logplex' } })).not.toHaveLength(0));
    expect(hub.history('dead', { filter: { dyno: 'logplex' } })[0]!.message).toMatch(/^Error L10 .*: 40 messages dropped/);
    // Once the receiver appears, the buffered entries and an in-band L10 arrive.
    const rx = await syslogReceiver(net.createServer());
    hub.removeDrain('dead', 'x');
    hub.addDrain('dead', { id: 'x', url: `syslog://127.0.0.1:${rx.port}`, token: 'd.4444' });
    hub.append('dead', { source: 'app', process: 'web.1', message: 'back' });
    await eventually(() => expect(rx.messages.at(-1)).toMatch(/ back$/));
  });
});

describe('HTTPS drains', () => {
  it('POSTs logplex-1 batches with the Logplex headers and basic auth, retrying 5xx with the same frame id', async () => {
    const requests: Array<{ headers: http.IncomingHttpHeaders; body: Buffer; url: string }> = [];
    let failFirst = true;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url ?? '' });
        res.statusCode = failFirst ? 503 : 204;
        failFirst = false;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const hub = hubFor();
    hub.addDrain('myapp', { id: 'h', url: `http://user:p%40ss@127.0.0.1:${port}/logs?x=1`, token: 'd.5555' });
    hub.append('myapp', { source: 'app', process: 'web.1', message: 'one' });
    hub.append('myapp', { source: 'platform', process: 'web.1', message: 'State changed from starting to up' });
    await eventually(() => expect(requests).toHaveLength(2));
    const [first, second] = requests as [(typeof requests)[0], (typeof requests)[0]];
    expect(second.url).toBe('/logs?x=1');
    expect(second.headers['content-type']).toBe('application/logplex-1');
    expect(second.headers['logplex-msg-count']).toBe('2');
    expect(second.headers['logplex-drain-token']).toBe('d.5555');
    expect(second.headers['logplex-frame-id']).toMatch(/^[0-9A-F]{32}$/);
    expect(second.headers['logplex-frame-id']).toBe(first.headers['logplex-frame-id']);
    expect(second.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    const { messages, rest } = parseOctetFrames(second.body);
    expect(rest.length).toBe(0);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^<190>1 \S+ host app web\.1 - one\n$/);
    expect(messages[1]).toMatch(/^<45>1 \S+ host platform web\.1 - State changed from starting to up\n$/);
  });

  it('gives up a batch after 3 tries and reports the drop', async () => {
    let hits = 0;
    const server = http.createServer((req, res) => {
      hits++;
      req.resume();
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const hub = hubFor();
    hub.addDrain('myapp', { id: 'h', url: `http://127.0.0.1:${port}/`, token: 'd.6666' });
    hub.append('myapp', { source: 'app', process: 'web.1', message: 'lost' });
    await eventually(() => expect(hub.history('myapp', { filter: { dyno: 'logplex' } })).toHaveLength(1));
    expect(hits).toBe(3);
    expect(hub.history('myapp', { filter: { dyno: 'logplex' } })[0]!.message).toMatch(/1 messages dropped/);
  });
});
