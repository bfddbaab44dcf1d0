import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { PlatformError } from '@platform/types';
import { access } from '../access.ts';

/** The URL path the packed CLI is served at: `npm install -g http://<server>/cli/platform-cli.tgz`. */
export const CLI_TARBALL_ROUTE = '/cli/platform-cli.tgz';

/** Where `node scripts/build.mjs` packs the CLI in a checkout: `apps/cli/dist/platform-cli.tgz`. */
export const CLI_TARBALL_FILE = fileURLToPath(
  new URL('../../../../cli/dist/platform-cli.tgz', import.meta.url),
);

export interface CliRouteOptions {
  /** The npm package tarball to serve; default {@link CLI_TARBALL_FILE}. */
  tarball?: string;
}

/**
 * `GET /cli/platform-cli.tgz` (and HEAD): the `platform` CLI as an npm package tarball (one bundled file, no
 * dependencies), so a teammate installs it without a checkout. No auth: it holds no secret.
 *
 * 200 `application/gzip` with an `ETag` (size and mtime) and `Cache-Control: no-cache`, so npm and
 * proxies revalidate after the server is rebuilt; 304 on a matching `If-None-Match`;
 * 404 `{"id": "not_found", …}` (PLT_NOT_FOUND) when the tarball was not built.
 */
export function registerCliRoutes(app: FastifyInstance, options: CliRouteOptions = {}): void {
  const file = options.tarball ?? CLI_TARBALL_FILE;
  // GET and HEAD declared together: fastify's implicit HEAD route would read the whole file to discard it.
  app.route({
    ...access('public'),
    method: ['GET', 'HEAD'],
    url: CLI_TARBALL_ROUTE,
    handler: async (request, reply) => {
      const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') throw err;
        throw new PlatformError(
          'PLT_NOT_FOUND',
          "The CLI package is not built on this server. Build it in the server's checkout with `node scripts/build.mjs`, then retry.",
        );
      });
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      reply
        .header('ETag', etag)
        .header('Last-Modified', info.mtime.toUTCString())
        .header('Cache-Control', 'no-cache');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      reply
        .type('application/gzip')
        .header('Content-Length', info.size)
        .header('Content-Disposition', 'attachment; filename="platform-cli.tgz"');
      if (request.method === 'HEAD') return reply.send();
      return reply.send(createReadStream(file));
    },
  });
}
