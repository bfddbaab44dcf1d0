/**
 * The static buildpack's static.json routes, proxies and canonical_host (and the settings it refuses): real builds
 * by the buildpack runner, the real server started as a dyno would, real HTTP — including a real upstream for proxies.
 */
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunner, startWeb, writeApp } from './runner-helpers.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const BUILD_TIMEOUT = 120_000;
const SERVER = 'node .heroku/static/server.cjs';
let tmp: string;
let upstream: http.Server;
let upstreamPort: number;
const seen: { method: string; url: string; host: string; forwardedFor: string; body: string }[] = [];

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'static-routing-'));
  // The API a single-page app talks to through the static server's proxy.
  upstream = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', forwardedFor: String(req.headers['x-forwarded-for'] ?? ''), body });
      if (req.url === '/v1/login') {
        res.writeHead(302, { Location: `http://127.0.0.1:${upstreamPort}/v1/welcome?from=login` });
        return res.end();
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => upstream?.close(resolve));
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('static buildpack: routes, proxies, canonical_host', () => {
  it('serves a single-page app: files first, then proxies (any method, ${VAR} origin), then routes in order, then 404', async () => {
    const app = await writeApp(tmp, {
      'dist/index.html': '<div id="app">spa shell</div>\n',
      'dist/assets/app.js': 'console.log("app");\n',
      'dist/docs/index.html': '<p>docs</p>\n',
      'dist/api/static.txt': 'a file under the proxy prefix\n',
      'static.json': JSON.stringify({
        root: 'dist/',
        encoding: 'UTF-8',
        routes: { '/assets/*': '/assets/', '/guide/**': 'docs/', '/**': 'index.html' },
        proxies: { '/api/': { origin: 'http://${API_HOST}/v1/' } },
        headers: { '/**': { 'X-Site': 'spa' } },
      }),
    });
    const built = await runRunner(app, path.join(tmp, 'cache-spa'));
    expect(built.code, built.text).toBe(0);
    expect(built.text).not.toContain('Warning');
    expect(built.text).toContain('routes: 3, proxies: 1, canonical host: none');

    const web = await startWeb(app, SERVER, { API_HOST: `127.0.0.1:${upstreamPort}` });
    try {
      const deep = await request(`${web.url}/dashboard/settings?tab=2`);
      expect([deep.status, deep.body, deep.headers['cache-control'], deep.headers['x-site']]).toEqual([200, '<div id="app">spa shell</div>\n', 'no-cache', 'spa']);
      expect((await request(`${web.url}/assets/app.js`)).body).toBe('console.log("app");\n');
      // The earlier route wins: a missing asset is a 404, not the app shell ("/assets/" has no index.html).
      expect((await request(`${web.url}/assets/missing.js`)).status).toBe(404);
      expect((await request(`${web.url}/guide/a/b`)).body).toBe('<p>docs</p>\n');

      seen.length = 0;
      const api = await request(`${web.url}/api/users?page=2`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect([api.status, api.headers['x-upstream'], JSON.parse(api.body).url]).toEqual([200, 'yes', '/v1/users?page=2']);
      expect(seen[0]!.host).toBe(`127.0.0.1:${upstreamPort}`);
      expect(seen[0]!.forwardedFor).toBe('203.0.113.9'); // the router's X-Forwarded-* (the client) are passed on
      const posted = await request(`${web.url}/api/items`, { method: 'POST', body: '{"name":"x"}', headers: { 'content-type': 'application/json' } });
      expect(JSON.parse(posted.body)).toEqual({ method: 'POST', url: '/v1/items', body: '{"name":"x"}' });
      expect(JSON.parse((await request(`${web.url}/api`)).body).url).toBe('/v1/');
      // The upstream's redirect to its own URL comes back under the prefix.
      const login = await request(`${web.url}/api/login`);
      expect([login.status, login.headers.location]).toEqual([302, '/api/welcome?from=login']);
      // A file of the root under the prefix answers first; other methods outside a proxy are still 405.
      expect((await request(`${web.url}/api/static.txt`)).body).toBe('a file under the proxy prefix\n');
      expect((await request(`${web.url}/dashboard`, { method: 'POST' })).status).toBe(405);
      // "/apiary" is not under "/api/".
      expect((await request(`${web.url}/apiary`)).body).toContain('spa shell');
    } finally {
      await web.stop();
    }

    // The upstream down: 502, and the server goes on.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await startWeb(app, SERVER, { API_HOST: `127.0.0.1:${deadPort}` });
    try {
      expect((await request(`${down.url}/api/users`)).status).toBe(502);
      expect((await request(`${down.url}/`)).status).toBe(200);
      expect(down.output()).toContain('static: proxy /api/ failed: ECONNREFUSED');
    } finally {
      await down.stop();
    }

    // A config var the proxy needs is not set: the server does not start, and says which one.
    await expect(startWeb(app, SERVER)).rejects.toThrow('static: static.json "proxies" for "/api/" uses ${API_HOST}, but the config var API_HOST is not set');
  }, BUILD_TIMEOUT);

  it('sends other hosts to canonical_host (${VAR}) with a 301, in one hop with https_only', async () => {
    const app = await writeApp(tmp, {
      'index.html': '<p>home</p>\n',
      'static.json': JSON.stringify({ canonical_host: '${CANONICAL}', https_only: true, redirects: { '/old': { url: '${NEW_SITE}/new' } } }),
    });
    const built = await runRunner(app, path.join(tmp, 'cache-canonical'));
    expect(built.code, built.text).toBe(0);
    expect(built.text).toContain('canonical host: ${CANONICAL}');
    const web = await startWeb(app, SERVER, { CANONICAL: 'www.example.test', NEW_SITE: 'https://new.example.test' });
    try {
      const https = { 'x-forwarded-proto': 'https' };
      const other = await request(`${web.url}/a/b?c=1`, { headers: { ...https, host: 'example.test' } });
      expect([other.status, other.headers.location]).toEqual([301, 'https://www.example.test/a/b?c=1']);
      const both = await request(`${web.url}/x`, { headers: { 'x-forwarded-proto': 'http', host: 'EXAMPLE.test:80' } });
      expect([both.status, both.headers.location]).toEqual([301, 'https://www.example.test/x']);
      const upgrade = await request(`${web.url}/x`, { headers: { 'x-forwarded-proto': 'http', host: 'www.example.test' } });
      expect([upgrade.status, upgrade.headers.location]).toEqual([301, 'https://www.example.test/x']);
      const home = await request(`${web.url}/`, { headers: { ...https, host: 'WWW.example.test' } });
      expect([home.status, home.body]).toEqual([200, '<p>home</p>\n']);
      const old = await request(`${web.url}/old`, { headers: { ...https, host: 'www.example.test' } });
      expect([old.status, old.headers.location]).toEqual([301, 'https://new.example.test/new']);
    } finally {
      await web.stop();
    }
    await expect(startWeb(app, SERVER, { CANONICAL: 'bad host/', NEW_SITE: 'x' })).rejects.toThrow(
      'static: static.json "canonical_host": the value of CANONICAL does not make a host name',
    );
  }, BUILD_TIMEOUT);

  it.each([
    [{ 'static.json': '{"rotues": {"/**": "index.html"}}', 'index.html': 'x' }, 'static.json "rotues" is not a setting of the static buildpack.'],
    [{ 'static.json': '{"basic_auth": true}', 'index.html': 'x' }, 'static.json "basic_auth" is not supported.'],
    [{ 'static.json': '{"logging": {"access": false}}', 'index.html': 'x' }, 'static.json "logging" is not supported.'],
    [{ 'static.json': '{"encoding": "ISO-8859-1"}', 'index.html': 'x' }, 'static.json "encoding" can only be "UTF-8"'],
    [{ 'static.json': '{"routes": {"/**": "app.html"}}', 'index.html': 'x' }, 'static.json "routes" for "/**": "app.html" is not a file under the root.'],
    [{ 'static.json': '{"routes": {"/**": "../secret"}}', 'index.html': 'x' }, 'static.json "routes" for "/**": "../secret" must be under the root and not a dot-file.'],
    [{ 'static.json': '{"routes": {"/**": 1}}', 'index.html': 'x' }, 'static.json "routes" for "/**" must name a file under the root'],
    [{ 'static.json': '{"routes": ["/**"]}', 'index.html': 'x' }, 'static.json "routes" must be an object, e.g. {"/**": "index.html"}.'],
    [{ 'static.json': '{"proxies": {"/api/": {"origin": "ftp://files.example.com/"}}}', 'index.html': 'x' }, 'static.json "proxies" for "/api/": "origin" must be an http:// or https:// URL'],
    [{ 'static.json': '{"proxies": {"/api/": {"origin": "https://${API HOST}/"}}}', 'index.html': 'x' }, 'static.json "proxies" for "/api/": "origin" must be a non-empty URL without spaces'],
    [{ 'static.json': '{"proxies": {"/api/": {"origin": "https://${1API}/"}}}', 'index.html': 'x' }, 'static.json "proxies" for "/api/": "origin": "${" must start a config var like ${API_HOST}.'],
    [{ 'static.json': '{"proxies": {"/api/": {"url": "https://x/"}}}', 'index.html': 'x' }, 'static.json "proxies" for "/api/": unknown key "url" (only "origin").'],
    [{ 'static.json': '{"proxies": {"/api/*": {"origin": "https://x/"}}}', 'index.html': 'x' }, 'static.json "proxies" for "/api/*": a proxy names a path prefix'],
    [{ 'static.json': '{"canonical_host": "www.example.com/x"}', 'index.html': 'x' }, 'static.json "canonical_host" must be a host name (and optional port)'],
    [{ 'static.json': '{"canonical_host": 443}', 'index.html': 'x' }, 'static.json "canonical_host" must be a host name'],
  ])('refuses a static.json setting it cannot honour, naming it: %j', async (files, message) => {
    const run = await runRunner(await writeApp(tmp, files), path.join(tmp, 'cache-bad'));
    expect(run.code, run.text).toBe(1);
    expect(run.text).toContain(` !     ${message}`);
    expect(run.text).toContain(' !     Push rejected, failed to compile Static app.');
  }, BUILD_TIMEOUT);
});
