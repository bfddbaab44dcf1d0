import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { domainJson } from '../serialize.ts';
import { addDomain, getDomain, listDomains, removeDomain } from '../../services/domains.ts';
import { access } from '../access.ts';

/** `/apps/:app/domains[/:hostname|id]` (Heroku Platform API "Domain"). */
export function registerDomainRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/domains', access('app:view'), async (request) => {
    return (await listDomains(ctx, request.user, request.params.app)).map(domainJson);
  });

  api.get<{ Params: { app: string; domain: string } }>('/apps/:app/domains/:domain', access('app:view'), async (request) => {
    return domainJson(await getDomain(ctx, request.user, request.params.app, request.params.domain));
  });

  api.post<{ Params: { app: string } }>('/apps/:app/domains', access('app:manage'), async (request, reply) => {
    const body = (request.body ?? {}) as { hostname?: unknown };
    const domain = await addDomain(ctx, request.user, request.params.app, { hostname: body.hostname });
    reply.status(201);
    return domainJson(domain);
  });

  api.delete<{ Params: { app: string; domain: string } }>('/apps/:app/domains/:domain', access('app:manage'), async (request) => {
    return domainJson(await removeDomain(ctx, request.user, request.params.app, request.params.domain));
  });
}
