import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRouter, formatRouterLogLine, type Router } from '../src/index.ts';
import { createAppHosts } from '../src/app-hosts.ts';
import { closeServer, get, logRecorder, startUpstream } from './helpers.ts';

describe('custom domains (host table)', () => {
  it('resolves the default host, exact names, then one-label wildcards', () => {
    const hosts = createAppHosts('localhost');
    hosts.setDomains('shop', ['www.example.com', '*.example.com']);
    hosts.setDomains('blog', ['blog.example.com']);
    expect(hosts.resolve('shop.localhost')).toBe('shop');
    expect(hosts.resolve('WWW.Example.com:8080')).toBe('shop');
    expect(hosts.resolve('www.example.com.')).toBe('shop');
    expect(hosts.resolve('anything.example.com')).toBe('shop');
    expect(hosts.resolve('blog.example.com')).toBe('blog'); // exact wins over the wildcard
    expect(hosts.resolve('a.b.example.com')).toBeNull();
    expect(hosts.resolve('example.com')).toBeNull();
    expect(hosts.resolve('[::1]:80')).toBeNull();
    hosts.setDomains('shop', ['www.example.com']);
    expect(hosts.resolve('anything.example.com')).toBeNull();
    hosts.removeApp('shop');
    expect(hosts.resolve('www.example.com')).toBeNull();
    expect(hosts.resolve('blog.example.com')).toBe('blog');
  });
});

describe('router: custom domains and maintenance mode', () => {
  let router: Router;
  let port: number;
  let logs: ReturnType<typeof logRecorder>;
  let upstream: Server;
  let target: { dyno: string; address: { host: string; port: number } };

  beforeEach(async () => {
    logs = logRecorder();
    router = createRouter({ domain: 'localhost', onLog: logs.onLog });
    ({ port } = await router.listen(0, '127.0.0.1'));
    const up = await startUpstream((_req, res) => res.end('from the dyno'));
    upstream = up.server;
    target = { dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } };
  });

  afterEach(async () => {
    await router.close();
    await closeServer(upstream);
  });

  it("routes an app's custom domains to its dynos, and forgets them with the app", async () => {
    router.setRoutes('shop', [target]);
    await router.setDomains('shop', ['www.example.com', '*.shop.test']);
    expect((await get(port, 'www.example.com')).body).toBe('from the dyno');
    expect((await get(port, 'en.shop.test')).body).toBe('from the dyno');
    expect((await get(port, 'other.example.com')).status).toBe(404);
    const [entry] = await logs.waitFor(2);
    expect(entry).toMatchObject({ app: 'shop', host: 'www.example.com', status: 200 });
    router.removeApp('shop');
    expect((await get(port, 'www.example.com')).status).toBe(404);
  });

  it('answers 503 H80 with the maintenance page while on, logged at=info, and routes again when off', async () => {
    router.setRoutes('shop', [target]);
    await router.setDomains('shop', ['www.example.com']);
    await router.setSettings('shop', { maintenance: true, redirectHttps: false });
    for (const host of ['shop.localhost', 'www.example.com']) {
      const res = await get(port, host, '/cart');
      expect(res.status).toBe(503);
      expect(res.body).toContain('Offline for Maintenance');
      expect(res.headers['cache-control']).toBe('no-cache, no-store');
    }
    const [entry] = await logs.waitFor(2);
    expect(entry).toMatchObject({ app: 'shop', at: 'info', code: 'H80', desc: 'Maintenance mode', status: 503, dyno: null, path: '/cart' });
    expect(formatRouterLogLine(entry!)).toMatch(/^at=info code=H80 desc="Maintenance mode" method=GET path="\/cart"/);
    await router.setSettings('shop', { maintenance: false, redirectHttps: false });
    expect((await get(port, 'shop.localhost')).body).toBe('from the dyno');
  });

  it('keeps maintenance on an app with no web dyno (H80, not H14)', async () => {
    router.setRoutes('idle', []);
    await router.setSettings('idle', { maintenance: true, redirectHttps: false });
    expect((await get(port, 'idle.localhost')).status).toBe(503);
    const [entry] = await logs.waitFor(1);
    expect(entry).toMatchObject({ code: 'H80' });
  });
});

describe('router: ACME http-01 challenges', () => {
  it('answers a known token on any host, and routes the rest to the app', async () => {
    const logs = logRecorder();
    const tokens = new Map([['tok_en-1', 'tok_en-1.thumbprint']]);
    const router = createRouter({ domain: 'localhost', onLog: logs.onLog, acmeChallenge: (t) => tokens.get(t) });
    const { port } = await router.listen(0, '127.0.0.1');
    const up = await startUpstream((req, res) => res.end(`app saw ${req.url}`));
    try {
      router.setRoutes('shop', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);
      await router.setDomains('shop', ['www.example.com']);
      for (const host of ['www.example.com', 'unknown.example.org', 'shop.localhost']) {
        const res = await get(port, host, '/.well-known/acme-challenge/tok_en-1');
        expect(res.status).toBe(200);
        expect(res.body).toBe('tok_en-1.thumbprint');
        expect(res.headers['content-type']).toBe('text/plain');
      }
      expect((await get(port, 'www.example.com', '/.well-known/acme-challenge/other')).body).toBe('app saw /.well-known/acme-challenge/other');
      expect((await get(port, 'unknown.example.org', '/.well-known/acme-challenge/other')).status).toBe(404);
    } finally {
      await router.close();
      await closeServer(up.server);
    }
  });
});
