import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunner, startWeb, writeApp } from './runner-helpers.ts';

/** A GET that does not decode: status, headers and the raw body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

const BUILD_TIMEOUT = 120_000;
let tmp: string;

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'static-bp-'));
});
afterAll(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('static buildpack', () => {
  it('detects a bare index.html (after a Procfile would), serves it with caching headers, gzip, clean URLs and a 404 page', async () => {
    const css = `body { color: red; }\n${'/* padding */\n'.repeat(200)}`;
    const app = await writeApp(tmp, {
      'public/index.html': '<h1>Hello from a static site</h1>\n',
      'public/about.html': '<h1>About us</h1>\n',
      'public/missing.html': '<h1>Nothing here</h1>\n',
      'public/app.3f9a2c1b.css': css,
      'public/plain.css': css,
      'static.json': JSON.stringify({ root: 'public/', clean_urls: true, error_page: 'missing.html', routes: {} }),
      'README.md': 'not served\n',
    });
    const cache = path.join(tmp, 'cache-1');
    const built = await runRunner(app, cache);
    expect(built.code, built.text).toBe(0);
    expect(built.lines).toContain('-----> Static app detected');
    expect(built.text).not.toContain('Warning');
    expect(built.text).toMatch(/root: public, clean URLs: on, 404 page: missing\.html/);
    expect(built.release).toContain('web: node .heroku/static/server.cjs');

    const web = await startWeb(app, 'node .heroku/static/server.cjs');
    try {
      const home = await get(`${web.url}/`);
      expect(home.status).toBe(200);
      expect(home.body.toString()).toContain('Hello from a static site');
      expect(home.headers['cache-control']).toBe('no-cache');
      expect(home.headers.etag).toBeTruthy();
      expect((await get(`${web.url}/`, { 'if-none-match': home.headers.etag! })).status).toBe(304);

      const about = await get(`${web.url}/about`);
      expect(about.body.toString()).toContain('About us');
      const redirected = await get(`${web.url}/about.html?x=1`);
      expect([redirected.status, redirected.headers.location]).toEqual([301, '/about?x=1']);

      const hashed = await get(`${web.url}/app.3f9a2c1b.css`, { 'accept-encoding': 'gzip' });
      expect(hashed.headers['content-encoding']).toBe('gzip');
      expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(gunzipSync(hashed.body).toString()).toBe(css);
      const plain = await get(`${web.url}/plain.css`);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['cache-control']).toBe('public, max-age=3600');
      expect(plain.body.toString()).toBe(css);

      const missing = await get(`${web.url}/no/such/page`);
      expect(missing.status).toBe(404);
      expect(missing.body.toString()).toContain('Nothing here');
      expect((await get(`${web.url}/README.md`)).status).toBe(404); // outside the root
      expect((await get(`${web.url}/.heroku/static/config.json`)).status).toBe(404);
    } finally {
      await web.stop();
    }

    // The next build reuses npm's cache in CACHE_DIR.
    const again = await runRunner(app, cache);
    expect(again.code, again.text).toBe(0);
  }, BUILD_TIMEOUT);

  it('leaves an app with a Procfile to the procfile buildpack, and serves the app dir with a built-in 404 by default', async () => {
    const withProcfile = await writeApp(tmp, { 'index.html': '<p>hi</p>\n', Procfile: 'web: python3 -m http.server $PORT\n' });
    const run = await runRunner(withProcfile, path.join(tmp, 'cache-2'));
    expect(run.code, run.text).toBe(0);
    expect(run.lines).toContain('-----> Procfile app detected');

    const bare = await writeApp(tmp, { 'index.html': '<p>bare</p>\n' });
    const built = await runRunner(bare, path.join(tmp, 'cache-3'));
    expect(built.code, built.text).toBe(0);
    expect(built.text).toContain('root: . (the app), clean URLs: off, 404 page: built-in');
    const web = await startWeb(bare, 'node .heroku/static/server.cjs');
    try {
      expect((await get(`${web.url}/`)).body.toString()).toContain('bare');
      const missing = await get(`${web.url}/nope`);
      expect([missing.status, missing.body.toString()]).toEqual([404, 'Not Found\n']);
    } finally {
      await web.stop();
    }
  }, BUILD_TIMEOUT);

  it('adds static.json headers by path pattern, answers redirects, and sends plain http to https', async () => {
    const app = await writeApp(tmp, {
      'index.html': '<p>home</p>\n',
      'assets/app.js': 'console.log(1);\n',
      'assets/fonts/a.woff2': 'font',
      'assets/deep/x/y.css': 'a{}\n',
      'new.html': '<p>new</p>\n',
      'static.json': JSON.stringify({
        https_only: true,
        headers: {
          '/': { 'Cache-Control': 'no-store', 'X-Home': 'yes' },
          '/assets/**': { 'Cache-Control': 'public, max-age=512000', 'X-Assets': 'all' },
          '/assets/fonts/*': { 'Access-Control-Allow-Origin': '*' },
          '/*.html': { 'X-Page': '1' },
          '/nothing/**': { 'X-Missing': 'gone' },
          '/**a**a**a**a**a**a**a**a**b': { 'X-Slow': 'never' },
        },
        redirects: {
          '/old': { url: '/new.html' },
          '/tmp': { url: 'https://example.com/elsewhere', status: 302 },
          '/keep': { url: '/new.html', status: 308 },
        },
      }),
    });
    const built = await runRunner(app, path.join(tmp, 'cache-4'));
    expect(built.code, built.text).toBe(0);
    expect(built.text).not.toContain('Warning');
    expect(built.text).toContain('headers: 6 patterns, redirects: 3, HTTPS only: on');
    const web = await startWeb(app, 'node .heroku/static/server.cjs');
    try {
      const https = { 'x-forwarded-proto': 'https' };
      const home = await get(`${web.url}/`, https);
      expect([home.status, home.headers['cache-control'], home.headers['x-home']]).toEqual([200, 'no-store', 'yes']);
      const js = await get(`${web.url}/assets/app.js`, https);
      expect([js.status, js.headers['cache-control'], js.headers['x-assets']]).toEqual([200, 'public, max-age=512000', 'all']);
      expect(js.headers['x-home']).toBeUndefined();
      // Several patterns match: the last one in static.json wins, alone.
      const font = await get(`${web.url}/assets/fonts/a.woff2`, https);
      expect([font.headers['access-control-allow-origin'], font.headers['x-assets']]).toEqual(['*', undefined]);
      expect(font.headers['cache-control']).toBe('public, max-age=3600'); // the default again
      // "*" stops at "/", "**" does not.
      expect((await get(`${web.url}/assets/deep/x/y.css`, https)).headers['x-assets']).toBe('all');
      expect((await get(`${web.url}/new.html`, https)).headers['x-page']).toBe('1');
      expect((await get(`${web.url}/assets/x.html`, https)).headers['x-page']).toBeUndefined();
      const missing = await get(`${web.url}/nothing/here`, https);
      expect([missing.status, missing.headers['x-missing'], missing.headers['cache-control']]).toEqual([404, 'gone', 'no-cache']);
      // A pattern built to backtrack answers at once against a long path.
      const started = Date.now();
      const long = await get(`${web.url}/${'a'.repeat(4000)}`, https);
      expect(long.status).toBe(404);
      expect(long.headers['x-slow']).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2000);

      const old = await get(`${web.url}/old?x=1`, https);
      expect([old.status, old.headers.location]).toEqual([301, '/new.html']);
      const tmpRedirect = await get(`${web.url}/tmp`, https);
      expect([tmpRedirect.status, tmpRedirect.headers.location]).toEqual([302, 'https://example.com/elsewhere']);
      expect((await get(`${web.url}/keep`, https)).status).toBe(308);
      expect((await get(`${web.url}/old/`, https)).status).toBe(404); // exact paths only

      const plain = await get(`${web.url}/assets/app.js?v=2`, { 'x-forwarded-proto': 'http', host: 'shop.example.test' });
      expect([plain.status, plain.headers.location]).toEqual([301, 'https://shop.example.test/assets/app.js?v=2']);
      // No X-Forwarded-Proto (not through the router): served as is.
      expect((await get(`${web.url}/`)).status).toBe(200);
    } finally {
      await web.stop();
    }
  }, BUILD_TIMEOUT);

  it.each([
    [{ 'static.json': '{"headers": {"/": {"X-A": "ok\\r\\nSet-Cookie: a=b"}}}', 'index.html': 'x' }, 'static.json "headers" for "/": the value of X-A has a line break or a control character.'],
    [{ 'static.json': '{"headers": {"/": {"Bad Name": "v"}}}', 'index.html': 'x' }, 'static.json "headers" for "/": "Bad Name" is not a valid header name.'],
    [{ 'static.json': '{"headers": {"/": {"Content-Length": "1"}}}', 'index.html': 'x' }, 'static.json "headers" for "/": Content-Length is set by the server and cannot be configured.'],
    [{ 'static.json': '{"headers": {"assets/**": {"X-A": "v"}}}', 'index.html': 'x' }, 'static.json "headers" has the path "assets/**"; a path starts with "/"'],
    [{ 'static.json': '{"headers": ["/"]}', 'index.html': 'x' }, 'static.json "headers" must be an object, e.g. {"/assets/**"'],
    [{ 'static.json': '{"redirects": {"/a": {"url": "/b", "status": 200}}}', 'index.html': 'x' }, 'static.json "redirects" for "/a": "status" must be 301, 302, 307 or 308.'],
    [{ 'static.json': '{"redirects": {"/a": {"url": "/b\\n"}}}', 'index.html': 'x' }, 'static.json "redirects" for "/a": "url" must be a non-empty URL or path'],
    [{ 'static.json': '{"redirects": {"/a": "/b"}}', 'index.html': 'x' }, 'static.json "redirects" for "/a" must be an object'],
    [{ 'static.json': '{"https_only": "yes"}', 'index.html': 'x' }, 'static.json "https_only" must be true or false.'],
    [{ 'static.json': '{nope' }, 'static.json is not valid JSON'],
    [{ 'static.json': '{"root": "dist/"}' }, 'static.json "root" names "dist/", which does not exist in the app.'],
    [{ 'static.json': '{"root": "../"}', 'index.html': 'x' }, 'static.json "root" must stay inside the app'],
    [{ 'static.json': '{"error_page": "oops.html"}', 'index.html': 'x' }, 'static.json "error_page" names "oops.html", which is not a file under the root.'],
    [{ 'static.json': '{"clean_urls": "yes"}', 'index.html': 'x' }, 'static.json "clean_urls" must be true or false.'],
  ])('refuses a static.json it cannot honour: %j', async (files, message) => {
    const run = await runRunner(await writeApp(tmp, files), path.join(tmp, 'cache-bad'));
    expect(run.code, run.text).toBe(1);
    expect(run.text).toContain(` !     ${message}`);
    expect(run.text).toContain(' !     Push rejected, failed to compile Static app.');
  }, BUILD_TIMEOUT);
});
