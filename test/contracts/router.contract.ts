/**
 * The router driver contract: every `Router` (router-node inside platformd, router-haproxy driving a real
 * HAProxy) passes this suite. It is driver-agnostic: a client reaches the router only over TCP on `port`, dynos
 * are real HTTP servers on 127.0.0.1:0, and the router's log is observed only through `onLog`.
 *
 *   describeRouterContract('node', async (options) => { const r = createNodeRouter(options); … return { router: r, port, close } });
 *
 * Timeouts are short here (CONTRACT_TIMEOUTS) so the cases run fast; each driver documents its production values.
 * Cases assert behaviour, never speed: a "cut off" client is one the router closes while it keeps sending.
 */
import { request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRouterLogLine, type RouterLogEntry } from '@platform/router-kit';
import type { Router } from '@platform/types';
import { closeServer, deadPort, get, httpsGet, logRecorder, rawExchange, selfSignedCertificate, startEchoUpstream, startUpstream, watchConnection, webSocketAccept } from './router-helpers.ts';

/** What the suite asks a driver to start with. Times in ms. */
export interface RouterContractOptions {
  /** Apps are served at `<app>.<domain>`. */
  domain: string;
  onLog(entry: RouterLogEntry): void;
  /** No response within this from the end of the request body → 503 H12. */
  requestTimeoutMs: number;
  /** Once the response started, no byte from the dyno for this long → cut off, H15 (rolling: each byte restarts it). */
  idleTimeoutMs: number;
  /** Request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** An idle keep-alive client connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Requests in flight per web dyno; more wait in the app's backlog (Heroku: 50). */
  dynoConcurrency: number;
  /** Requests that may wait per web dyno up; one more → 503 H11 (Heroku: 50). */
  backlogPerDyno: number;
  /** A request waiting in the backlog this long → 503 H11. */
  queueTimeoutMs: number;
}

export interface RouterContractHarness {
  router: Router;
  /** The plain-HTTP port clients connect to on 127.0.0.1. */
  port: number;
  /** Stops the router and everything it started. */
  close(): Promise<void>;
  /** The TLS port on 127.0.0.1 (served once a certificate is set); undefined: the TLS cases are skipped. */
  tlsPort?: number;
}

export const CONTRACT_TIMEOUTS = { requestTimeoutMs: 1_500, idleTimeoutMs: 2_500, headersTimeoutMs: 1_500, keepAliveTimeoutMs: 1_500, queueTimeoutMs: 20_000 } as const;
/** Small limits, so the backlog case needs few requests; nothing else sends more than two at once to one dyno. */
export const CONTRACT_LIMITS = { dynoConcurrency: 2, backlogPerDyno: 2 } as const;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOG_LINE_RE =
  /^at=info method=GET path="\/path\?q=1" host=\S+ request_id=\S+ fwd="1\.2\.3\.4, 127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=http$/;

export function describeRouterContract(name: string, start: (options: RouterContractOptions) => Promise<RouterContractHarness>): void {
  describe(`router contract: ${name}`, () => {
    let h: RouterContractHarness;
    let router: Router;
    let port: number;
    let logs: ReturnType<typeof logRecorder>;
    const upstreams: Server[] = [];

    async function echo(dyno: string) {
      const up = await startEchoUpstream(dyno);
      upstreams.push(up.server);
      return up.target;
    }
    async function upstream(handler: Parameters<typeof startUpstream>[0]) {
      const up = await startUpstream(handler);
      upstreams.push(up.server);
      return { dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } };
    }

    beforeEach(async () => {
      logs = logRecorder();
      h = await start({ domain: 'localhost', onLog: logs.onLog, ...CONTRACT_TIMEOUTS, ...CONTRACT_LIMITS });
      ({ router, port } = h);
    });
    afterEach(async () => {
      await h.close();
      await Promise.all(upstreams.splice(0).map(closeServer));
    });

    it('answers 404 "No such app" for unknown hosts, without an app log entry', async () => {
      const res = await get(port, 'nope.localhost');
      expect(res.status).toBe(404);
      expect(res.body).toContain('No such app');
      expect((await get(port, 'localhost')).status).toBe(404);
      expect((await get(port, 'a.b.localhost')).status).toBe(404);
      expect(logs.entries).toEqual([]);
    });

    it('answers 503 H14 for a known app without web dynos', async () => {
      await router.setRoutes('myapp', []);
      const res = await get(port, 'myapp.localhost', '/x');
      expect(res.status).toBe(503);
      expect(res.body).toContain('Application error');
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ app: 'myapp', at: 'error', code: 'H14', desc: 'No web processes running', dyno: null, status: 503, path: '/x' });
    });

    it('answers 503 H10 while every web dyno of the app crashed, and serves again once one is up', async () => {
      await router.setRoutes('myapp', [], { crashed: true });
      const res = await get(port, 'myapp.localhost', '/c');
      expect(res.status).toBe(503);
      expect(res.body).toContain('Application error');
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ app: 'myapp', at: 'error', code: 'H10', desc: 'App crashed', dyno: null, status: 503, path: '/c' });
      await router.setRoutes('myapp', [await echo('web.1')]);
      expect((await get(port, 'myapp.localhost')).status).toBe(200);
      await router.setRoutes('myapp', []);
      expect((await get(port, 'myapp.localhost')).status).toBe(503);
      const entries = await logs.waitFor(3);
      expect(entries[2]).toMatchObject({ code: 'H14' });
    });

    it("proxies with Heroku's request headers, adds Via, and logs Heroku's line", async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
      const before = Date.now();
      const res = await get(port, 'MyApp.localhost:' + port, '/path?q=1', { 'x-forwarded-for': '1.2.3.4' });
      expect(res.status).toBe(200);
      expect(res.headers.via).toMatch(/1\.1 /);
      const seen = JSON.parse(res.body) as { dyno: string; headers: Record<string, string>; url: string };
      expect(seen).toMatchObject({ dyno: 'web.1', url: '/path?q=1' });
      expect(seen.headers.host).toBe('MyApp.localhost:' + port);
      expect(seen.headers['x-forwarded-for']).toBe('1.2.3.4, 127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('http');
      expect(seen.headers['x-forwarded-port']).toBe(String(port));
      const startMs = Number(seen.headers['x-request-start']);
      expect(startMs).toBeGreaterThanOrEqual(before - 1);
      expect(startMs).toBeLessThanOrEqual(Date.now());
      expect(seen.headers['x-request-id']).toMatch(UUID_RE);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({
        app: 'myapp',
        at: 'info',
        method: 'GET',
        path: '/path?q=1',
        requestId: seen.headers['x-request-id'],
        fwd: '1.2.3.4, 127.0.0.1',
        dyno: 'web.1',
        status: 200,
        protocol: 'http',
      });
      // Heroku counts the bytes sent to the client; a driver may count the response headers too.
      expect(entry!.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(res.body));
      expect(entry!.host.toLowerCase()).toBe(`myapp.localhost:${port}`);
      expect(entry!.code).toBeUndefined();
      expect(formatRouterLogLine(entry!)).toMatch(LOG_LINE_RE);
    });

    it('keeps a valid client X-Request-Id and replaces an invalid one', async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
      const valid = 'client-id-0123456789+/=';
      const kept = JSON.parse((await get(port, 'myapp.localhost', '/', { 'x-request-id': valid })).body);
      expect(kept.headers['x-request-id']).toBe(valid);
      for (const bad of ['bad id!', 'short', 'a'.repeat(201)]) {
        const replaced = JSON.parse((await get(port, 'myapp.localhost', '/', { 'x-request-id': bad })).body);
        expect(replaced.headers['x-request-id']).toMatch(UUID_RE);
      }
      const entries = await logs.waitFor(4);
      expect(entries.map((e) => e.requestId)[0]).toBe(valid);
    });

    it('rejects a request with two Host headers', async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
      const answer = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: myapp.localhost\r\nHost: other.localhost\r\nConnection: close\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    });

    it('applies route changes once their promise resolves', async () => {
      const a = await echo('web.1');
      const b = await echo('web.2');
      await router.setRoutes('myapp', [a]);
      expect(JSON.parse((await get(port, 'myapp.localhost')).body).dyno).toBe('web.1');
      await router.setRoutes('myapp', [b]);
      for (let i = 0; i < 5; i++) expect(JSON.parse((await get(port, 'myapp.localhost')).body).dyno).toBe('web.2');
      await router.setRoutes('myapp', [a, b]);
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) seen.add(JSON.parse((await get(port, 'myapp.localhost')).body).dyno);
      expect([...seen].sort()).toEqual(['web.1', 'web.2']); // all on one: probability 2^-39
      await router.setRoutes('myapp', []);
      expect((await get(port, 'myapp.localhost')).status).toBe(503);
      await router.removeApp('myapp');
      expect((await get(port, 'myapp.localhost')).status).toBe(404);
    });

    it('routes custom domains, exact names before wildcards, and forgets them with the app', async () => {
      await router.setRoutes('shop', [await echo('web.1')]);
      await router.setRoutes('blog', [await echo('web.2')]);
      await router.setDomains('shop', ['www.shop.test', '*.shop.test']);
      await router.setDomains('blog', ['blog.shop.test']);
      const dynoAt = async (host: string) => {
        const res = await get(port, host);
        return res.status === 200 ? (JSON.parse(res.body) as { dyno: string }).dyno : res.status;
      };
      expect(await dynoAt('www.shop.test')).toBe('web.1');
      expect(await dynoAt('EU.Shop.Test:' + port)).toBe('web.1');
      expect(await dynoAt('blog.shop.test')).toBe('web.2');
      // A trailing dot names the same host, for exact names and wildcards alike.
      expect(await dynoAt('Blog.Shop.Test.:' + port)).toBe('web.2');
      expect(await dynoAt('eu.shop.test.')).toBe('web.1');
      expect(await dynoAt('shop.test')).toBe(404);
      expect(await dynoAt('a.b.shop.test')).toBe(404);
      await router.setDomains('shop', ['www.shop.test']);
      expect(await dynoAt('eu.shop.test')).toBe(404);
      expect(await dynoAt('www.shop.test')).toBe('web.1');
      await router.removeApp('shop');
      expect(await dynoAt('www.shop.test')).toBe(404);
      expect(await dynoAt('shop.localhost')).toBe(404);
      const entries = await logs.waitFor(6);
      expect(entries.map((e) => e.app).sort()).toEqual(['blog', 'blog', 'shop', 'shop', 'shop', 'shop']);
    });

    it('answers ACME http-01 challenges on any host, leaves unknown tokens to the app, and stops once removed', async () => {
      const seen: string[] = [];
      await router.setRoutes('shop', [await upstream((req, res) => (seen.push(`${req.method} ${req.url}`), res.end(`app saw ${req.url}`)))]);
      await router.setDomains('shop', ['www.shop.test']);
      const path = '/.well-known/acme-challenge/tok_en-1';
      await router.setChallenge('tok_en-1', 'tok_en-1.thumb_print-9');
      for (const host of ['www.shop.test', 'unknown.example.org', 'shop.localhost', 'nope.localhost']) {
        const res = await get(port, host, path);
        expect({ host, status: res.status, body: res.body }).toEqual({ host, status: 200, body: 'tok_en-1.thumb_print-9' });
        expect(res.headers['content-type']).toBe('text/plain');
      }
      const head = await get(port, 'www.shop.test', path, {}, 'HEAD');
      expect({ status: head.status, body: head.body, type: head.headers['content-type'] }).toEqual({ status: 200, body: '', type: 'text/plain' });
      // Another method, an unknown token or a prefix of a known one: the app's own business.
      expect((await get(port, 'www.shop.test', path, {}, 'POST')).body).toBe(`app saw ${path}`);
      expect((await get(port, 'www.shop.test', '/.well-known/acme-challenge/other')).body).toBe('app saw /.well-known/acme-challenge/other');
      expect((await get(port, 'www.shop.test', '/.well-known/acme-challenge/tok_en')).body).toBe('app saw /.well-known/acme-challenge/tok_en');
      expect((await get(port, 'unknown.example.org', '/.well-known/acme-challenge/other')).status).toBe(404);
      await expect(router.setChallenge('bad token', 'x')).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      await expect(router.setChallenge('tok', 'a b')).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      await router.setChallenge('tok_en-1', null);
      expect((await get(port, 'www.shop.test', path)).body).toBe(`app saw ${path}`);
      expect((await get(port, 'unknown.example.org', path)).status).toBe(404);
      expect(seen).toEqual([`POST ${path}`, 'GET /.well-known/acme-challenge/other', 'GET /.well-known/acme-challenge/tok_en', `GET ${path}`]);
    });

    it('answers 503 H80 with the maintenance page while an app is in maintenance, and serves again after', async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
      await router.setSettings('myapp', { maintenance: true, redirectHttps: false });
      const res = await get(port, 'myapp.localhost', '/m');
      expect(res.status).toBe(503);
      expect(res.body).toContain('Maintenance');
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ app: 'myapp', code: 'H80', status: 503, path: '/m', dyno: null });
      await router.setSettings('myapp', { maintenance: false, redirectHttps: false });
      expect((await get(port, 'myapp.localhost')).status).toBe(200);
    });

    it('serves HTTPS by SNI once a certificate is set, with X-Forwarded-Proto https and protocol=https', async (ctx) => {
      if (h.tlsPort === undefined) return ctx.skip();
      await router.setRoutes('shop', [await echo('web.1')]);
      await router.setDomains('shop', ['www.tls.test']);
      await router.setCertificates([{ id: 'cert-1', app: 'shop', hostnames: ['www.tls.test'], ...(await selfSignedCertificate(['www.tls.test'])) }]);
      const res = await httpsGet(h.tlsPort, 'www.tls.test', '/s');
      expect(res.status).toBe(200);
      const seen = JSON.parse(res.body) as { headers: Record<string, string> };
      expect(seen.headers['x-forwarded-proto']).toBe('https');
      expect(seen.headers['x-forwarded-port']).toBe(String(h.tlsPort));
      expect((await logs.waitFor(1))[0]).toMatchObject({ app: 'shop', protocol: 'https', path: '/s', status: 200 });
      const bad = { id: 'bad', app: 'shop', hostnames: ['x.test'], chainPem: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n', keyPem: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n' };
      await expect(router.setCertificates([bad])).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      expect((await httpsGet(h.tlsPort, 'www.tls.test')).status).toBe(200);
    });

    it('redirects plain HTTP to HTTPS for the app that asks, on covered hostnames only (301 GET, 308 otherwise), ACME exempt', async (ctx) => {
      if (h.tlsPort === undefined) return ctx.skip();
      await router.setRoutes('shop', [await echo('web.1')]);
      await router.setDomains('shop', ['www.tls.test']);
      await router.setCertificates([{ id: 'cert-1', app: 'shop', hostnames: ['www.tls.test'], ...(await selfSignedCertificate(['www.tls.test'])) }]);
      expect((await get(port, 'www.tls.test')).status).toBe(200);
      await router.setSettings('shop', { maintenance: false, redirectHttps: true });
      const moved = await get(port, 'www.tls.test', '/a?b=1');
      expect({ status: moved.status, location: moved.headers.location }).toEqual({ status: 301, location: `https://www.tls.test:${h.tlsPort}/a?b=1` });
      expect((await get(port, 'www.tls.test', '/form', {}, 'POST', 'x')).status).toBe(308);
      expect((await get(port, 'shop.localhost')).status).toBe(200); // no certificate covers it
      expect((await httpsGet(h.tlsPort, 'www.tls.test')).status).toBe(200);
      await router.setChallenge('tok-9', 'tok-9.thumb');
      expect((await get(port, 'www.tls.test', '/.well-known/acme-challenge/tok-9')).body).toBe('tok-9.thumb');
      await router.setSettings('shop', { maintenance: false, redirectHttps: false });
      expect((await get(port, 'www.tls.test')).status).toBe(200);
    });

    it('answers 503 H21 when every dyno refuses the connection', async () => {
      await router.setRoutes('myapp', [
        { dyno: 'web.1', address: { host: '127.0.0.1', port: await deadPort() } },
        { dyno: 'web.2', address: { host: '127.0.0.1', port: await deadPort() } },
      ]);
      expect((await get(port, 'myapp.localhost')).status).toBe(503);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ at: 'error', code: 'H21', status: 503 });
    });

    it('queues requests while the dyno is busy and answers 503 H11 once the backlog is full; the queued ones complete', async () => {
      const held: ServerResponse[] = [];
      let seen!: () => void;
      const busy = new Promise<void>((resolve) => (seen = resolve));
      await router.setRoutes('myapp', [
        await upstream((_req, res) => {
          held.push(res);
          if (held.length === CONTRACT_LIMITS.dynoConcurrency) seen();
        }),
      ]);
      const { dynoConcurrency, backlogPerDyno } = CONTRACT_LIMITS;
      const first = Array.from({ length: dynoConcurrency }, (_, i) => get(port, 'myapp.localhost', `/busy/${i}`));
      await busy; // the dyno holds as many as it may
      const extra = 2;
      const more = Array.from({ length: backlogPerDyno + extra }, (_, i) => get(port, 'myapp.localhost', `/more/${i}`));
      // The backlog holds `backlogPerDyno`; the others are refused at once, whatever order they arrived in.
      const refused = await logs.waitFor(extra);
      expect(refused.map((e) => ({ code: e.code, desc: e.desc, status: e.status, dyno: e.dyno }))).toEqual(
        Array.from({ length: extra }, () => ({ code: 'H11', desc: 'Backlog too deep', status: 503, dyno: null })),
      );
      expect(formatRouterLogLine(refused[0]!)).toMatch(/^at=error code=H11 desc="Backlog too deep" method=GET path="\/more\/\d" /);
      // The dyno answers what it holds, then each queued request as it reaches it.
      const answerAll = setInterval(() => held.splice(0).forEach((res) => res.end('done')), 20);
      try {
        const replies = await Promise.all([...first, ...more]);
        expect(replies.filter((r) => r.status === 503).map((r) => r.body.includes('Application error'))).toEqual(Array(extra).fill(true));
        expect(replies.filter((r) => r.status === 200).map((r) => r.body)).toEqual(Array(dynoConcurrency + backlogPerDyno).fill('done'));
      } finally {
        clearInterval(answerAll);
      }
      const entries = await logs.waitFor(dynoConcurrency + backlogPerDyno + extra);
      expect(entries.filter((e) => e.code === undefined && e.status === 200)).toHaveLength(dynoConcurrency + backlogPerDyno);
    });

    it('answers 503 H13 when the dyno closes the connection without a response', async () => {
      await router.setRoutes('myapp', [await upstream((req) => req.socket.destroy())]);
      expect((await get(port, 'myapp.localhost')).status).toBe(503);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ code: 'H13', status: 503, dyno: 'web.1' });
    });

    it('answers 503 H12 when the dyno sends nothing within the timeout after the request', async () => {
      await router.setRoutes('myapp', [await upstream(() => {})]);
      const res = await get(port, 'myapp.localhost', '/slow');
      expect(res.status).toBe(503);
      expect(res.body).toContain('Application error');
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ at: 'error', code: 'H12', desc: 'Request timeout', dyno: 'web.1', status: 503 });
      expect(entry!.serviceMs).toBeGreaterThanOrEqual(CONTRACT_TIMEOUTS.requestTimeoutMs - 50);
    });

    it('answers 503 H12 to a first byte later than the request timeout though within the mid-response window', async () => {
      const midway = (CONTRACT_TIMEOUTS.requestTimeoutMs + CONTRACT_TIMEOUTS.idleTimeoutMs) / 2;
      await router.setRoutes('myapp', [
        await upstream((_req, res) => {
          const timer = setTimeout(() => res.end('too late'), midway);
          res.on('close', () => clearTimeout(timer));
        }),
      ]);
      const res = await get(port, 'myapp.localhost', '/late');
      expect(res.status).toBe(503);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ code: 'H12', dyno: 'web.1', status: 503, path: '/late' });
    });

    it('answers 503 H12 when the dyno stays silent for the request timeout after the end of a slow upload', async () => {
      await router.setRoutes('myapp', [await upstream((req) => req.resume())]);
      const chunks = 6;
      const everyMs = (2 * CONTRACT_TIMEOUTS.requestTimeoutMs) / chunks; // the upload lasts twice the timeout
      let bodyEnd = 0;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { host: 'myapp.localhost', 'content-length': String(chunks * 1000) }, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        let sent = 0;
        const timer = setInterval(() => {
          req.write(Buffer.alloc(1000, 65));
          if (++sent === chunks) {
            clearInterval(timer);
            req.end();
            bodyEnd = Date.now();
          }
        }, everyMs);
      });
      expect(status).toBe(503);
      expect(Date.now() - bodyEnd).toBeGreaterThanOrEqual(CONTRACT_TIMEOUTS.requestTimeoutMs - 50);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ code: 'H12', dyno: 'web.1', status: 503, path: '/upload' });
    });

    it('starts the request timeout at the end of the body: an upload slower than the timeout is no H12', async () => {
      await router.setRoutes('myapp', [
        await upstream((req, res) => {
          let bytes = 0;
          req.on('data', (c: Buffer) => (bytes += c.length));
          req.on('end', () => res.end(`got ${bytes}`));
        }),
      ]);
      const chunks = 8;
      const everyMs = (2 * CONTRACT_TIMEOUTS.requestTimeoutMs) / chunks; // the upload lasts twice the timeout
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { host: 'myapp.localhost', 'content-length': String(chunks * 1000) }, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        let sent = 0;
        const timer = setInterval(() => {
          req.write(Buffer.alloc(1000, 65));
          if (++sent === chunks) {
            clearInterval(timer);
            req.end();
          }
        }, everyMs);
      });
      expect(answer).toEqual({ status: 200, body: `got ${chunks * 1000}` });
    });

    it('keeps a slow response going while the dyno sends a byte within each window, longer than both timeouts', async () => {
      const window = CONTRACT_TIMEOUTS.idleTimeoutMs;
      const parts = 8;
      const everyMs = Math.floor(window / 4);
      await router.setRoutes('myapp', [
        await upstream((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          let n = 0;
          const timer = setInterval(() => {
            if (++n === parts) {
              clearInterval(timer);
              res.end(`${n}`);
            } else res.write(`${n},`);
          }, everyMs);
          res.on('close', () => clearInterval(timer));
        }),
      ]);
      // 8 parts a quarter window apart: twice the window in all, and more than the first-byte timeout.
      const res = await get(port, 'myapp.localhost', '/stream');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: '1,2,3,4,5,6,7,8' });
      const [entry] = await logs.waitFor(1);
      expect(entry!.code).toBeUndefined();
    });

    it('keeps a response going across a gap longer than the request timeout though within the mid-response window', async () => {
      const midway = (CONTRACT_TIMEOUTS.requestTimeoutMs + CONTRACT_TIMEOUTS.idleTimeoutMs) / 2;
      await router.setRoutes('myapp', [
        await upstream((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('before,');
          const timer = setTimeout(() => res.end('after'), midway);
          res.on('close', () => clearTimeout(timer));
        }),
      ]);
      const res = await get(port, 'myapp.localhost', '/gap');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: 'before,after' });
      const [entry] = await logs.waitFor(1);
      expect(entry!.code).toBeUndefined();
    });

    it('cuts off a response whose dyno goes silent for the rolling window after the first byte (H15)', async () => {
      const window = CONTRACT_TIMEOUTS.idleTimeoutMs;
      let lastWrite = 0;
      await router.setRoutes('myapp', [
        await upstream((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
          res.write('first part;');
          lastWrite = Date.now();
        }),
      ]);
      const end = await watchConnection(port, 'GET /quiet HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n');
      expect(end.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(end.text).toContain('first part;');
      expect(Date.now() - lastWrite).toBeGreaterThanOrEqual(window - 50);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ at: 'error', code: 'H15', desc: 'Idle connection', dyno: 'web.1', path: '/quiet' });
    });

    it('logs H18 when the dyno closes the connection in the middle of its response', async () => {
      await router.setRoutes('myapp', [
        await upstream((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
          res.write('half', () => res.socket?.destroy());
        }),
      ]);
      const end = await watchConnection(port, 'GET /half HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n');
      expect(end.text).toMatch(/^HTTP\/1\.1 200 /);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ at: 'error', code: 'H18', desc: 'Server Request Interrupted', dyno: 'web.1', path: '/half' });
    });

    it('logs H27 with status 499 when the client goes away before the response', async () => {
      let reached!: (res: ServerResponse) => void;
      const atDyno = new Promise<ServerResponse>((resolve) => (reached = resolve));
      await router.setRoutes('myapp', [await upstream((_req, res) => reached(res))]);
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /gone HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n'));
      socket.on('error', () => undefined);
      const res = await atDyno;
      socket.destroy();
      // The dyno answers after the client left (as a real one does); more than socket buffers hold, so a proxy that
      // waits for the answer (HAProxy only notices a half-closed client when it writes) fails to deliver it.
      res.on('error', () => undefined);
      res.end(Buffer.alloc(16 << 20, 1));
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ at: 'error', code: 'H27', desc: 'Client Request Interrupted', status: 499, path: '/gone' });
    });

    it('relays a large response and counts its bytes', async () => {
      const size = 5 * (1 << 20);
      await router.setRoutes('myapp', [await upstream((_req, res) => res.end(Buffer.alloc(size, 1)))]);
      const res = await get(port, 'myapp.localhost');
      expect(res.body.length).toBe(size);
      const [entry] = await logs.waitFor(1);
      expect(entry!.bytes).toBeGreaterThanOrEqual(size);
    });

    it('proxies a WebSocket upgrade and relays bytes both ways', async () => {
      const target = await upstream((_req, res) => res.end('not an upgrade'));
      const up = upstreams.at(-1)!;
      up.on('upgrade', (req: IncomingMessage, socket) => {
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${webSocketAccept(String(req.headers['sec-websocket-key']))}\r\n` +
            `X-Seen-Forwarded-For: ${req.headers['x-forwarded-for']}\r\n\r\n`,
        );
        socket.on('data', (chunk: Buffer) => socket.write('echo:' + chunk.toString()));
        socket.on('end', () => socket.end()); // as a WebSocket server does when its peer goes
      });
      await router.setRoutes('myapp', [target]);
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
      expect(received.toLowerCase()).toContain('x-seen-forwarded-for: 127.0.0.1');
      expect(received.endsWith('echo:ping')).toBe(true);
      const [entry] = await logs.waitFor(1);
      expect(entry).toMatchObject({ app: 'myapp', dyno: 'web.1', status: 101, path: '/ws' });
    });

    it('logs exactly one entry per request over a keep-alive client connection', async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
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

    it('refuses oversized request lines and headers with 400, as Heroku does, without reaching the dyno', async () => {
      let reached = 0;
      await router.setRoutes('myapp', [await upstream((_req, res) => (reached++, res.end('ok')))]);
      const longLine = await rawExchange(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: myapp.localhost\r\nConnection: close\r\n\r\n`);
      expect(longLine).toMatch(/^HTTP\/1\.[01] 400 /);
      const bigHeader = await rawExchange(port, `GET / HTTP/1.1\r\nHost: myapp.localhost\r\nX-Big: ${'b'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
      expect(bigHeader).toMatch(/^HTTP\/1\.[01] 400 /);
      expect(reached).toBe(0);
    });

    it('cuts off a client that sends its headers too slowly', async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
      // One header line every 200 ms, for ever: only the router's header timeout ends this connection.
      const end = await watchConnection(port, 'GET / HTTP/1.1\r\nHost: myapp.localhost\r\n', { everyMs: 200, next: (n) => `X-Slow-${n}: y\r\n` });
      expect(end.text).not.toMatch(/ 200 /);
      expect(end.closedAfterMs).toBeGreaterThanOrEqual(CONTRACT_TIMEOUTS.headersTimeoutMs - 50);
    });

    it('closes an idle keep-alive client connection', async () => {
      await router.setRoutes('myapp', [await echo('web.1')]);
      const end = await watchConnection(port, 'GET / HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n');
      expect(end.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(end.closedAfterMs).toBeGreaterThanOrEqual(CONTRACT_TIMEOUTS.keepAliveTimeoutMs - 50);
    });
  });
}
