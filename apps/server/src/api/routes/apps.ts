import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { appJson } from '../serialize.ts';
import { parseRange } from '../range.ts';
import { createApp, destroyApp, getAppInfo, listApps, updateApp } from '../../services/apps.ts';

export function registerAppRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/account', async (request) => ({ id: request.user.id, email: request.user.email }));

  api.get('/apps', async (request, reply) => {
    const range = parseRange(request.headers.range, ['id', 'name', 'updated_at'], 'name');
    const apps = await listApps(ctx, request.user);
    reply.header('Accept-Ranges', 'id, name, updated_at');
    if (range.order === 'desc') apps.reverse();
    return apps.slice(0, range.max).map((a) => appJson(ctx, a, null));
  });

  api.post('/apps', async (request, reply) => {
    const body = (request.body ?? {}) as { name?: unknown };
    const app = await createApp(ctx, request.user, { name: body.name });
    reply.status(201);
    return appJson(ctx, app, request.user);
  });

  api.get<{ Params: { app: string } }>('/apps/:app', async (request) => {
    const { app, release, build } = await getAppInfo(ctx, request.user, request.params.app);
    return appJson(ctx, app, null, { releasedAt: release?.createdAt ?? null, buildpack: build?.buildpack ?? null, slugSize: build?.slugSize ?? null });
  });

  api.patch<{ Params: { app: string } }>('/apps/:app', async (request) => {
    const body = (request.body ?? {}) as { maintenance?: unknown; name?: unknown };
    const app = await updateApp(ctx, request.user, request.params.app, { maintenance: body.maintenance, name: body.name });
    return appJson(ctx, app, null);
  });

  api.delete<{ Params: { app: string } }>('/apps/:app', async (request) => {
    const app = await destroyApp(ctx, request.user, request.params.app);
    return appJson(ctx, app, null);
  });
}
