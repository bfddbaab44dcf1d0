import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { buildJson } from '../serialize.ts';

export function registerBuildRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/builds', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const builds = await ctx.store.builds.list(app.id);
    const releases = await ctx.store.releases.list(app.id, { max: 1000 });
    const releaseOf = (buildId: string) => releases.find((r) => r.buildId === buildId && r.description.startsWith('Deploy'))?.id ?? null;
    return builds.map((b) => buildJson(app, b, releaseOf(b.id)));
  });

  api.get<{ Params: { app: string; build: string } }>('/apps/:app/builds/:build', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const build = await ctx.store.builds.get(app.id, request.params.build);
    const releases = await ctx.store.releases.list(app.id, { max: 1000 });
    return buildJson(app, build, releases.find((r) => r.buildId === build.id)?.id ?? null);
  });
}
