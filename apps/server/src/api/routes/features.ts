import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { featureJson } from '../serialize.ts';
import { getFeature, listFeatures, setFeature } from '../../services/features.ts';
import { access } from '../access.ts';

/** `/apps/:app/features[/:feature]` (Heroku Platform API "App Feature"): list, info, and `PATCH {"enabled": bool}` (needs manage). */
export function registerFeatureRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/features', access('app:view'), async (request) =>
    (await listFeatures(ctx, request.user, request.params.app)).map(featureJson),
  );
  api.get<{ Params: { app: string; feature: string } }>('/apps/:app/features/:feature', access('app:view'), async (request) =>
    featureJson(await getFeature(ctx, request.user, request.params.app, request.params.feature)),
  );
  api.patch<{ Params: { app: string; feature: string } }>('/apps/:app/features/:feature', access('app:manage'), async (request) => {
    const body = (request.body ?? {}) as { enabled?: unknown };
    return featureJson(await setFeature(ctx, request.user, request.params.app, request.params.feature, body.enabled));
  });
}
