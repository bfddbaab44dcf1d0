import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { releaseJson } from '../serialize.ts';
import { parseRange } from '../range.ts';
import { getRelease, getReleaseConfigVars, listReleases, rollbackRelease } from '../../services/releases.ts';
import { access } from '../access.ts';

type AppParams = { Params: { app: string } };
type ReleaseParams = { Params: { app: string; release: string } };

export function registerReleaseRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<AppParams>('/apps/:app/releases', access('app:view'), async (request, reply) => {
    const range = parseRange(request.headers.range, ['version', 'id'], 'version');
    const after = range.after !== null && /^[0-9]+$/.test(range.after) ? Number(range.after) : undefined;
    // One more than the page: whether another page follows.
    const { app, releases, currentId } = await listReleases(ctx, request.user, request.params.app, { order: range.order, max: range.max + 1, after });
    const page = releases.slice(0, range.max);
    reply.header('Accept-Ranges', 'version, id');
    if (page.length > 0) {
      reply.header('Content-Range', `version ${page[0]!.version}..${page[page.length - 1]!.version}; max=${range.max}`);
    }
    if (releases.length > range.max) {
      // Only on a truncated page: the CLI follows Next-Range whenever it is present.
      reply.status(206).header('Next-Range', `version ]${page[page.length - 1]!.version}..; max=${range.max}, order=${range.order}`);
    }
    return page.map((r) => releaseJson(app, r, currentId));
  });

  api.get<ReleaseParams>('/apps/:app/releases/:release', access('app:view'), async (request) => {
    const { app, release, currentId } = await getRelease(ctx, request.user, request.params.app, request.params.release);
    return releaseJson(app, release, currentId);
  });

  api.get<ReleaseParams>('/apps/:app/releases/:release/config-vars', access('app:deploy'), async (request) =>
    getReleaseConfigVars(ctx, request.user, request.params.app, request.params.release),
  );

  // Rollback. Heroku's body is {"release": "<id>"}; a version number ("7" or "v7") is accepted too.
  api.post<AppParams>('/apps/:app/releases', access('app:deploy'), async (request, reply) => {
    const body = (request.body ?? {}) as { release?: unknown };
    const { app, release, currentId } = await rollbackRelease(ctx, request.user, request.params.app, body.release);
    reply.status(201);
    return releaseJson(app, release, currentId);
  });
}
