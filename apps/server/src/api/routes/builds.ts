import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { buildJson } from '../serialize.ts';
import { getBuild, listBuilds } from '../../services/builds.ts';
import { access } from '../access.ts';

export function registerBuildRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/builds', access('app:view'), async (request) => {
    const { app, builds } = await listBuilds(ctx, request.user, request.params.app);
    return builds.map((b) => buildJson(app, b.build, b.releaseId));
  });

  api.get<{ Params: { app: string; build: string } }>('/apps/:app/builds/:build', access('app:view'), async (request) => {
    const { app, build } = await getBuild(ctx, request.user, request.params.app, request.params.build);
    return buildJson(app, build.build, build.releaseId);
  });
}
