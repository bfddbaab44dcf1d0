import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { authorizationJson } from '../serialize.ts';
import { createAuthorization, getAuthorization, listAuthorizations, revokeAuthorization } from '../../services/authorizations.ts';

type IdParams = { Params: { id: string } };

/**
 * Personal tokens in Heroku's `/oauth/authorizations` shape. Creating one takes a token or, as `platform login`
 * (and the Heroku CLI) does, Basic `email:password`.
 */
export function registerAuthorizationRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/oauth/authorizations', access('user'), async (request) =>
    (await listAuthorizations(ctx, request.user)).map((t) => authorizationJson(t, request.user)),
  );

  api.post('/oauth/authorizations', access('login'), async (request, reply) => {
    const body = (request.body ?? {}) as { description?: unknown; expires_in?: unknown };
    const { token, record } = await createAuthorization(ctx, request.user, body);
    reply.status(201);
    return authorizationJson(record, request.user, token);
  });

  api.get<IdParams>('/oauth/authorizations/:id', access('user'), async (request) =>
    authorizationJson(await getAuthorization(ctx, request.user, request.params.id), request.user),
  );

  api.delete<IdParams>('/oauth/authorizations/:id', access('user'), async (request) =>
    authorizationJson(await revokeAuthorization(ctx, request.user, request.params.id), request.user),
  );
}
