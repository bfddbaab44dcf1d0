import { createHash } from 'node:crypto';
import { request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRouter, type NodeRouter } from '../src/index.ts';
import { closeServer, deadPort, get, logRecorder, rawExchange, startUpstream } from './helpers.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('router', () => {
  let router: NodeRouter;
  let port: number;
  let logs: ReturnType<typeof logRecorder>;
  const upstreams: Server[] = [];

  /** An upstream answering with JSON {dyno, headers, method, url}. */
  async function echoUpstream(dyno: string) {
    const up = await startUpstream((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ dyno, headers: req.headers, method: req.method, url: req.url }));
    });
    upstreams.push(up.server);
    return { dyno, address: { host: '127.0.0.1', port: up.port } };
  }

  async function start(requestTimeoutMs?: number) {
    logs = logRecorder();
    router = createNodeRouter({ domain: 'localhost', onLog: logs.onLog, requestTimeoutMs });
    ({ port } = await router.listen(0, '127.0.0.1'));
  }

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await router.close();
    await Promise.all(upstreams.splice(0).map(closeServer));
  });

  it('answers 404 "no such app" for unknown hosts, without an app log entry', async () => {
    const res = await get(port, 'nope.localhost');
    expect(res.status).toBe(404);
    expect(res.body).toContain('No such app');
    expect((await get(port, 'localhost')).status).toBe(404);
    expect((await get(port, 'a.b.localhost')).status).toBe(404);
    expect(logs.entries).toEqual([]);
  });

  it('answers 503 and logs H14 for a known app without web dynos', async () => {
    await router.setRoutes('myapp', []);
    const res = await get(port, 'myapp.localhost', '/x');
    expect(res.status).toBe(503);
    const [entry] = await logs.waitFor(1);
    expect(entry).toMatchObject({
      app: 'myapp',
      at: 'error',
      code: 'H14',
      desc: 'No web processes running',
      dyno: null,
      status: 503,
      path: '/x',
    });
  });

  it('proxies to a dyno with the forwarding headers, and logs one entry', async () => {
    await router.setRoutes('myapp', [await echoUpstream('web.1')]);
    const before = Date.now();
    const res = await get(port, 'MyApp.localhost:' + port, '/path?q=1', { 'x-forwarded-for': '1.2.3.4' });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as { dyno: string; headers: Record<string, string>; url: string };
    expect(seen.dyno).toBe('web.1');
    expect(seen.url).toBe('/path?q=1');
    expect(seen.headers.host).toBe('MyApp.localhost:' + port);
    expect(seen.headers['x-forwarded-for']).toBe('1.2.3.4, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-port']).toBe(String(port));
    const startMs = Number(seen.headers['x-request-start']);
    expect(startMs).toBeGreaterThanOrEqual(before);
    expect(startMs).toBeLessThanOrEqual(Date.now());
    expect(seen.headers['x-request-id']).toMatch(UUID_RE);
    const entries = await logs.waitFor(1);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      app: 'myapp',
      at: 'info',
      method: 'GET',
      path: '/path?q=1',
      host: 'MyApp.localhost:' + port,
      requestId: seen.headers['x-request-id'],
      fwd: '1.2.3.4, 127.0.0.1',
      dyno: 'web.1',
      status: 200,
      bytes: Buffer.byteLength(res.body),
      protocol: 'http',
    });
    expect(entries[0]!.code).toBeUndefined();
  });

  it('keeps a valid client X-Request-Id and replaces an invalid one', async () => {
    await router.setRoutes('myapp', [await echoUpstream('web.1')]);
    const valid = 'client-id-0123456789+/=';
    const kept = JSON.parse((await get(port, 'myapp.localhost', '/', { 'x-request-id': valid })).body);
    expect(kept.headers['x-request-id']).toBe(valid);
    const replaced = JSON.parse(
      (await get(port, 'myapp.localhost', '/', { 'x-request-id': 'bad id!' })).body,
    );
    expect(replaced.headers['x-request-id']).toMatch(UUID_RE);
  });

  it('rejects a request with two Host headers', async () => {
    await router.setRoutes('myapp', [await echoUpstream('web.1')]);
    const answer = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: myapp.localhost\r\nHost: other.localhost\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers 404 once an app is removed', async () => {
    await router.setRoutes('myapp', [await echoUpstream('web.1')]);
    expect((await get(port, 'myapp.localhost')).status).toBe(200);
    await router.removeApp('myapp');
    expect((await get(port, 'myapp.localhost')).status).toBe(404);
  });

  it('spreads requests over the dynos at random', async () => {
    await router.setRoutes('myapp', [await echoUpstream('web.1'), await echoUpstream('web.2')]);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add(JSON.parse((await get(port, 'myapp.localhost')).body).dyno);
    expect([...seen].sort()).toEqual(['web.1', 'web.2']); // all on one: probability 2^-39
  });

  it('retries a refused connection on another dyno, with the body intact', async () => {
    const up = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end('got ' + Buffer.concat(chunks).toString()));
    });
    upstreams.push(up.server);
    await router.setRoutes('myapp', [
      { dyno: 'web.1', address: { host: '127.0.0.1', port: await deadPort() } },
      { dyno: 'web.2', address: { host: '127.0.0.1', port: up.port } },
    ]);
    for (let i = 0; i < 10; i++) {
      const res = await get(
        port,
        'myapp.localhost',
        '/',
        { 'content-type': 'text/plain' },
        'POST',
        'payload ' + i,
      );
      expect(res).toMatchObject({ status: 200, body: 'got payload ' + i });
    }
    const entries = await logs.waitFor(10);
    expect(entries.every((e) => e.dyno === 'web.2' && e.status === 200)).toBe(true);
  });

  it('answers 503 H21 when every dyno refuses', async () => {
    await router.setRoutes('myapp', [
      { dyno: 'web.1', address: { host: '127.0.0.1', port: await deadPort() } },
      { dyno: 'web.2', address: { host: '127.0.0.1', port: await deadPort() } },
    ]);
    expect((await get(port, 'myapp.localhost')).status).toBe(503);
    const [entry] = await logs.waitFor(1);
    expect(entry).toMatchObject({ at: 'error', code: 'H21', status: 503 });
  });

  it('answers 503 H12 when the dyno does not answer in time', async () => {
    await router.close();
    await start(200);
    const up = await startUpstream(() => {}); // never answers
    upstreams.push(up.server);
    await router.setRoutes('myapp', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);
    const res = await get(port, 'myapp.localhost', '/slow');
    expect(res.status).toBe(503);
    const [entry] = await logs.waitFor(1);
    expect(entry).toMatchObject({
      at: 'error',
      code: 'H12',
      desc: 'Request timeout',
      dyno: 'web.1',
      status: 503,
    });
    expect(entry!.serviceMs).toBeGreaterThanOrEqual(200);
  });

  it('answers 503 H13 when the dyno closes the connection without a response', async () => {
    const up = await startUpstream((req) => req.socket.destroy());
    upstreams.push(up.server);
    await router.setRoutes('myapp', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);
    expect((await get(port, 'myapp.localhost')).status).toBe(503);
    const [entry] = await logs.waitFor(1);
    expect(entry).toMatchObject({ code: 'H13', status: 503 });
  });

  it('streams the request body: the dyno sees the first chunk before the client sends the rest', async () => {
    const hash = createHash('sha256');
    const up = await startUpstream((req, res) => {
      let first = true;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        if (first) {
          first = false;
          res.writeHead(200);
          res.write('first chunk seen\n');
        }
      });
      req.on('end', () => res.end(hash.digest('hex')));
    });
    upstreams.push(up.server);
    await router.setRoutes('myapp', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);

    const expected = createHash('sha256');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          headers: { host: 'myapp.localhost' },
          agent: false,
        },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            // Only once the dyno answered the first chunk does the client send the rest (1 MiB).
            if (text === 'first chunk seen\n') {
              const rest = Buffer.alloc(1 << 20, 7);
              expected.update(rest);
              req.end(rest);
            }
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      const first = Buffer.from('hello ');
      expected.update(first);
      req.write(first);
    });
    expect(body).toBe('first chunk seen\n' + expected.digest('hex'));
  });

  it('relays a large response and counts its bytes', async () => {
    const size = 5 * (1 << 20);
    const up = await startUpstream((_req, res) => res.end(Buffer.alloc(size, 1)));
    upstreams.push(up.server);
    await router.setRoutes('myapp', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);
    const res = await get(port, 'myapp.localhost');
    expect(res.body.length).toBe(size);
    const [entry] = await logs.waitFor(1);
    expect(entry!.bytes).toBe(size);
  });

  it('proxies a WebSocket-style upgrade and relays bytes both ways', async () => {
    const up = await startUpstream((_req, res) => res.end('not an upgrade'));
    upstreams.push(up.server);
    up.server.on('upgrade', (req: IncomingMessage, socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `X-Seen-Forwarded-For: ${req.headers['x-forwarded-for']}\r\n\r\n`,
      );
      socket.on('data', (chunk: Buffer) => socket.write('echo:' + chunk.toString()));
    });
    await router.setRoutes('myapp', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);

    const received = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'GET /ws HTTP/1.1\r\nHost: myapp.localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\r\n\r\n') && !text.includes('echo:')) socket.write('ping');
        if (text.includes('echo:ping')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    expect(received).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(received).toContain('X-Seen-Forwarded-For: 127.0.0.1');
    expect(received.endsWith('echo:ping')).toBe(true);
    const [entry] = await logs.waitFor(1);
    expect(entry).toMatchObject({ app: 'myapp', dyno: 'web.1', status: 101, path: '/ws' });
  });

  it('logs exactly one entry per request over a keep-alive client connection', async () => {
    await router.setRoutes('myapp', [await echoUpstream('web.1')]);
    const answer = await rawExchange(
      port,
      'GET /1 HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n' +
        'GET /2 HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n' +
        'GET /3 HTTP/1.1\r\nHost: myapp.localhost\r\nConnection: close\r\n\r\n',
    );
    expect(answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
    const entries = await logs.waitFor(3);
    expect(entries.map((e) => e.path).sort()).toEqual(['/1', '/2', '/3']);
  });
});
