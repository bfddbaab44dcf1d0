import type { FastifyInstance } from 'fastify';
import { PlatformError, DYNO_NAME_RE } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { dynoJson } from '../serialize.ts';

export function registerDynoRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/dynos', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    return ctx.manager.dynos(app.id).map((d) => dynoJson(app, d));
  });

  api.get<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno', async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const dyno = ctx.manager.dynos(app.id).find((d) => d.name === request.params.dyno || d.id === request.params.dyno);
    if (!dyno) throw new PlatformError('PLT_DYNO_NOT_FOUND', `No dyno ${request.params.dyno}.`);
    return dynoJson(app, dyno);
  });

  // Restart all dynos, or one dyno / type: rolling for web.
  api.delete<{ Params: { app: string } }>('/apps/:app/dynos', async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    await ctx.manager.restart(app.id);
    reply.status(202);
    return {};
  });

  const stop = async (request: Parameters<typeof appFor>[1], appName: string, filter: { name?: string; type?: string }) => {
    const app = await appFor(ctx, request, appName);
    const stopped = await ctx.manager.stop(app.id, filter);
    if (stopped === 0) throw new PlatformError('PLT_DYNO_NOT_FOUND', `No running dyno matches ${filter.name ?? filter.type}.`);
    return {};
  };
  api.post<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno/actions/stop', async (request, reply) => {
    reply.status(202);
    return stop(request, request.params.app, DYNO_NAME_RE.test(request.params.dyno) ? { name: request.params.dyno } : { type: request.params.dyno });
  });
  api.post<{ Params: { app: string; type: string } }>('/apps/:app/formations/:type/actions/stop', async (request, reply) => {
    reply.status(202);
    return stop(request, request.params.app, { type: request.params.type });
  });
  api.delete<{ Params: { app: string; type: string } }>('/apps/:app/formations/:type', async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    if (!ctx.manager.dynos(app.id).some((d) => d.type === request.params.type)) {
      throw new PlatformError('PLT_DYNO_NOT_FOUND', `No ${request.params.type} dynos are running.`);
    }
    await ctx.manager.restart(app.id, { type: request.params.type });
    reply.status(202);
    return {};
  });

  api.delete<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno', async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app);
    const target = request.params.dyno;
    const filter = DYNO_NAME_RE.test(target) ? { name: target } : { type: target };
    if (!ctx.manager.dynos(app.id).some((d) => d.name === filter.name || d.type === filter.type)) {
      throw new PlatformError('PLT_DYNO_NOT_FOUND', `No dyno or process type ${target}.`);
    }
    await ctx.manager.restart(app.id, filter);
    reply.status(202);
    return {};
  });
}
