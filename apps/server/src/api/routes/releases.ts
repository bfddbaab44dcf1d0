import type { FastifyInstance } from 'fastify';
import { PlatformError } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { releaseJson } from '../serialize.ts';
import { parseRange } from '../range.ts';

type AppParams = { Params: { app: string } };
type ReleaseParams = { Params: { app: string; release: string } };

export function registerReleaseRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<AppParams>('/apps/:app/releases', async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    const range = parseRange(request.headers.range, ['version', 'id'], 'version');
    const after = range.after !== null && /^[0-9]+$/.test(range.after) ? Number(range.after) : undefined;
    const rows = await ctx.store.releases.list(app.id, { order: range.order, max: range.max + 1, after });
    const current = await ctx.store.releases.current(app.id);
    const page = rows.slice(0, range.max);
    reply.header('Accept-Ranges', 'version, id');
    if (page.length > 0) {
      reply.header('Content-Range', `version ${page[0]!.version}..${page[page.length - 1]!.version}; max=${range.max}`);
    }
    if (rows.length > range.max) {
      // Only on a truncated page: the CLI follows Next-Range whenever it is present.
      reply.status(206).header('Next-Range', `version ]${page[page.length - 1]!.version}..; max=${range.max}, order=${range.order}`);
    }
    return page.map((r) => releaseJson(app, r, current?.id ?? null));
  });

  api.get<ReleaseParams>('/apps/:app/releases/:release', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const release = await ctx.store.releases.get(app.id, request.params.release);
    const current = await ctx.store.releases.current(app.id);
    return releaseJson(app, release, current?.id ?? null);
  });

  api.get<ReleaseParams>('/apps/:app/releases/:release/config-vars', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const release = await ctx.store.releases.get(app.id, request.params.release);
    return ctx.store.releases.config(release.id);
  });

  // Rollback: a new release with the target's build and config. Heroku's body is {"release": "<id>"};
  // a version number ("7" or "v7") is accepted too.
  api.post<AppParams>('/apps/:app/releases', async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    const body = (request.body ?? {}) as { release?: unknown };
    if (typeof body.release !== 'string' && typeof body.release !== 'number') {
      throw new PlatformError('PLT_INVALID_PARAMS', 'Give the release to roll back to: {"release": "<id or version>"}.');
    }
    const ref = String(body.release);
    if (!/^v?[0-9]+$/.test(ref) && !/^[0-9a-f-]{36}$/i.test(ref)) {
      throw new PlatformError('PLT_INVALID_PARAMS', `${JSON.stringify(ref)} is not a release version (e.g. v12) or id.`);
    }
    if (/^v?0+$/.test(ref)) throw new PlatformError('PLT_INVALID_PARAMS', 'Release versions start at v1.');
    const target = await ctx.store.releases.get(app.id, ref);
    if (target.status !== 'succeeded' || !target.buildId) {
      throw new PlatformError('PLT_ROLLBACK_INVALID', `v${target.version} is not eligible for rollback (status ${target.status}${target.buildId ? '' : ', no build'}).`);
    }
    await ctx.deployer.assertRunnable(target);
    const release = await ctx.store.releases.rollback({ appId: app.id, target, userId: request.user.id });
    await ctx.deployer.deployRelease(app, release).catch((err) => request.log.warn({ err }, 'rollback release failed'));
    const final = await ctx.store.releases.get(app.id, release.id);
    const current = await ctx.store.releases.current(app.id);
    reply.status(201);
    return releaseJson(app, final, current?.id ?? null);
  });
}
