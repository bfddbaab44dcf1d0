import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { getConfigVars, setConfigVars } from '../../services/config.ts';
import { access } from '../access.ts';

export function registerConfigRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/config-vars', access('app:deploy'), async (request) => getConfigVars(ctx, request.user, request.params.app));

  // Heroku answers a change with the app's whole config after it.
  api.patch<{ Params: { app: string } }>('/apps/:app/config-vars', access('app:deploy'), async (request) => {
    const { config } = await setConfigVars(ctx, request.user, request.params.app, request.body);
    return config;
  });
}
