import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../src/api/errors.ts';
import { CLI_TARBALL_ROUTE, registerCliRoutes } from '../src/api/routes/cli.ts';

/** An API with only the CLI route, serving `tarball`, and the API's error handler. */
function apiServing(tarball: string): FastifyInstance {
  const app = Fastify();
  installErrorHandler(app);
  registerCliRoutes(app, { tarball });
  return app;
}

describe('GET /cli/platform-cli.tgz', () => {
  let dir: string;
  let tarball: string;
  const bytes = Buffer.from('not really gzip, but served as it is');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'platform-cli-route-'));
    tarball = path.join(dir, 'platform-cli.tgz');
    await writeFile(tarball, bytes);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the file as application/gzip, with an ETag, no auth needed', async () => {
    const res = await apiServing(tarball).inject({ method: 'GET', url: CLI_TARBALL_ROUTE });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.rawPayload.equals(bytes)).toBe(true);
  });

  it('answers 304 to a matching If-None-Match and headers alone to HEAD', async () => {
    const app = apiServing(tarball);
    const { etag } = (await app.inject({ method: 'GET', url: CLI_TARBALL_ROUTE })).headers;
    const revalidated = await app.inject({
      method: 'GET',
      url: CLI_TARBALL_ROUTE,
      headers: { 'if-none-match': String(etag) },
    });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.rawPayload.length).toBe(0);
    const head = await app.inject({ method: 'HEAD', url: CLI_TARBALL_ROUTE });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    expect(head.rawPayload.length).toBe(0);
  });

  it('answers 404 not_found with what to do when the CLI was not built', async () => {
    const res = await apiServing(path.join(dir, 'missing.tgz')).inject({
      method: 'GET',
      url: CLI_TARBALL_ROUTE,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      id: 'not_found',
      message:
        "The CLI package is not built on this server. Build it in the server's checkout with `node scripts/build.mjs`, then retry.",
    });
  });
});
