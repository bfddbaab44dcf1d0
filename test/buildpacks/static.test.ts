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
      'static.json': JSON.stringify({ root: 'public/', clean_urls: true, error_page: 'missing.html', redirects: {} }),
      'README.md': 'not served\n',
    });
    const cache = path.join(tmp, 'cache-1');
    const built = await runRunner(app, cache);
    expect(built.code, built.text).toBe(0);
    expect(built.lines).toContain('-----> Static app detected');
    expect(built.text).toContain('Warning: static.json "redirects" is not supported yet and is ignored.');
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

  it.each([
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
