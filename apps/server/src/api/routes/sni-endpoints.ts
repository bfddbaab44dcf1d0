import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { sniEndpointJson } from '../serialize.ts';
import { access } from '../access.ts';
import {
  createSniEndpoint,
  getSniEndpoint,
  listSniEndpoints,
  removeSniEndpoint,
  updateSniEndpoint,
} from '../../services/sni-endpoints.ts';

type CertBody = { certificate_chain?: unknown; private_key?: unknown };
const certInput = (body: unknown): CertBody => {
  const b = (body ?? {}) as CertBody;
  return { certificate_chain: b.certificate_chain, private_key: b.private_key };
};

/** `/apps/:app/sni-endpoints[/:id|name]` (Heroku Platform API "SNI Endpoint"). */
export function registerSniEndpointRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/sni-endpoints', access('app:view'), async (request) => {
    return (await listSniEndpoints(ctx, request.user, request.params.app)).map(sniEndpointJson);
  });

  api.get<{ Params: { app: string; endpoint: string } }>('/apps/:app/sni-endpoints/:endpoint', access('app:view'), async (request) => {
    return sniEndpointJson(await getSniEndpoint(ctx, request.user, request.params.app, request.params.endpoint));
  });

  api.post<{ Params: { app: string } }>('/apps/:app/sni-endpoints', access('app:manage'), async (request, reply) => {
    const view = await createSniEndpoint(ctx, request.user, request.params.app, certInput(request.body));
    reply.status(201);
    return sniEndpointJson(view);
  });

  api.patch<{ Params: { app: string; endpoint: string } }>('/apps/:app/sni-endpoints/:endpoint', access('app:manage'), async (request) => {
    return sniEndpointJson(await updateSniEndpoint(ctx, request.user, request.params.app, request.params.endpoint, certInput(request.body)));
  });

  api.delete<{ Params: { app: string; endpoint: string } }>('/apps/:app/sni-endpoints/:endpoint', access('app:manage'), async (request) => {
    return sniEndpointJson(await removeSniEndpoint(ctx, request.user, request.params.app, request.params.endpoint));
  });
}
