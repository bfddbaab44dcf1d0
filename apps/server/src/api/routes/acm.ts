import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { appJson } from '../serialize.ts';
import { disableAcm, enableAcm, refreshAcm } from '../../services/acm.ts';
import { access } from '../access.ts';

/**
 * `/apps/:app/acm`: POST enables Automatic Certificate Management, DELETE disables it, PATCH retries failing domains
 * now (Heroku Platform API "App": enable_acm, disable_acm, refresh_acm).
 */
export function registerAcmRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.post<{ Params: { app: string } }>('/apps/:app/acm', access('app:manage'), async (request) => appJson(ctx, await enableAcm(ctx, request.user, request.params.app), null));
  api.patch<{ Params: { app: string } }>('/apps/:app/acm', access('app:manage'), async (request) => appJson(ctx, await refreshAcm(ctx, request.user, request.params.app), null));
  api.delete<{ Params: { app: string } }>('/apps/:app/acm', access('app:manage'), async (request) => appJson(ctx, await disableAcm(ctx, request.user, request.params.app), null));
}
