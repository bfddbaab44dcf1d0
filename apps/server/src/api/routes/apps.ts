import type { FastifyInstance } from 'fastify';
import { PlatformError, isValidAppName } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { appJson } from '../serialize.ts';
import { parseRange } from '../range.ts';
import { randomAppName } from '../../names.ts';

export function registerAppRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/account', async (request) => ({ id: request.user.id, email: request.user.email }));

  api.get('/apps', async (request, reply) => {
    const range = parseRange(request.headers.range, ['id', 'name', 'updated_at'], 'name');
    const apps = (await ctx.store.apps.list()).filter((a) => request.user.isAdmin || a.ownerId === request.user.id);
    reply.header('Accept-Ranges', 'id, name, updated_at');
    if (range.order === 'desc') apps.reverse();
    return apps.slice(0, range.max).map((a) => appJson(ctx, a, null));
  });

  api.post('/apps', async (request, reply) => {
    const body = (request.body ?? {}) as { name?: unknown };
    if (body.name !== undefined && body.name !== null && !isValidAppName(body.name)) {
      throw new PlatformError(
        'PLT_INVALID_PARAMS',
        'Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes (3 to 30 characters).',
      );
    }
    let app;
    if (typeof body.name === 'string') {
      app = await ctx.store.apps.create({ name: body.name, ownerId: request.user.id });
    } else {
      for (let attempt = 0; ; attempt++) {
        try {
          app = await ctx.store.apps.create({ name: randomAppName(), ownerId: request.user.id });
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== 'PLT_APP_EXISTS' || attempt > 5) throw err;
        }
      }
    }
    ctx.logger.info({ app: app.name, user: request.user.email }, 'app created');
    reply.status(201);
    return appJson(ctx, app, request.user);
  });

  api.get<{ Params: { app: string } }>('/apps/:app', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const current = await ctx.store.releases.current(app.id);
    const build = current?.buildId ? await ctx.store.builds.get(app.id, current.buildId) : null;
    return appJson(ctx, app, null, { releasedAt: current?.createdAt ?? null, buildpack: build?.buildpack ?? null, slugSize: build?.slugSize ?? null });
  });

  api.delete<{ Params: { app: string } }>('/apps/:app', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    // The store first: from then on no reconcile (a crash restart, the tick) finds a release to start, and
    // removeApp, which waits for a reconcile under way, stops whatever it started.
    const slugs = (await ctx.store.builds.list(app.id)).flatMap((b) => (b.slugChecksum ? [b.slugChecksum] : []));
    await ctx.store.apps.destroy(app.id);
    await ctx.manager.removeApp(app.id);
    await ctx.forgetApp(app, slugs);
    ctx.logger.info({ app: app.name, user: request.user.email }, 'app destroyed');
    return appJson(ctx, app, null);
  });
}
