import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { dynoJson } from '../serialize.ts';
import { dynoFilter, getDyno, listDynos, restartDynos, stopDynos } from '../../services/dynos.ts';
import { access } from '../access.ts';

type AppParams = { Params: { app: string } };

export function registerDynoRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<AppParams>('/apps/:app/dynos', access('app:view'), async (request) => {
    const { app, dynos } = await listDynos(ctx, request.user, request.params.app);
    return dynos.map((d) => dynoJson(app, d.status, d.size));
  });

  api.get<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno', access('app:view'), async (request) => {
    const { app, dyno } = await getDyno(ctx, request.user, request.params.app, request.params.dyno);
    return dynoJson(app, dyno.status, dyno.size);
  });

  // Restart all dynos, or one dyno / type: rolling for web.
  api.delete<AppParams>('/apps/:app/dynos', access('app:operate'), async (request, reply) => {
    await restartDynos(ctx, request.user, request.params.app);
    reply.status(202);
    return {};
  });

  api.post<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno/actions/stop', access('app:operate'), async (request, reply) => {
    reply.status(202);
    await stopDynos(ctx, request.user, request.params.app, dynoFilter(request.params.dyno));
    return {};
  });
  api.post<{ Params: { app: string; type: string } }>('/apps/:app/formations/:type/actions/stop', access('app:operate'), async (request, reply) => {
    reply.status(202);
    await stopDynos(ctx, request.user, request.params.app, { type: request.params.type });
    return {};
  });
  api.delete<{ Params: { app: string; type: string } }>('/apps/:app/formations/:type', access('app:operate'), async (request, reply) => {
    const { type } = request.params;
    await restartDynos(ctx, request.user, request.params.app, { filter: { type }, missing: `No ${type} dynos are running.` });
    reply.status(202);
    return {};
  });

  api.delete<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno', access('app:operate'), async (request, reply) => {
    const target = request.params.dyno;
    await restartDynos(ctx, request.user, request.params.app, { filter: dynoFilter(target), missing: `No dyno or process type ${target}.` });
    reply.status(202);
    return {};
  });
}
