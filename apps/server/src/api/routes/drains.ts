import type { FastifyInstance } from 'fastify';
import { PlatformError, ErrorCodes } from '@platform/types';
import type { AppRecord, DrainRecord } from '@platform/store-postgres';
import type { ApiContext } from '../context.ts';
import { appFor } from '../auth.ts';
import { access } from '../access.ts';

export function drainJson(app: AppRecord, d: DrainRecord) {
  return {
    id: d.id,
    url: d.url,
    token: d.token,
    addon: null,
    app: { id: app.id, name: app.name },
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

const notFound = (what: string) =>
  new PlatformError('PLT_NOT_FOUND', `No drain ${JSON.stringify(what)} on this app. List them with platform drains.`);

/** `/apps/:app/log-drains[/:id|url|token]` (Heroku schema). */
export function registerDrainRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/log-drains', access('app:view'), async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    return (await ctx.store.drains.list(app.id)).map((d) => drainJson(app, d));
  });

  api.get<{ Params: { app: string; drain: string } }>('/apps/:app/log-drains/:drain', access('app:view'), async (request) => {
    const app = await appFor(ctx, request, request.params.app);
    const drain = await ctx.store.drains.find(app.id, request.params.drain);
    if (!drain) throw notFound(request.params.drain);
    return drainJson(app, drain);
  });

  api.post<{ Params: { app: string }; Body: { url?: unknown } }>('/apps/:app/log-drains', access('app:manage'), async (request, reply) => {
    const app = await appFor(ctx, request, request.params.app, 'manage');
    const raw = (request.body as { url?: unknown } | undefined)?.url;
    if (typeof raw !== 'string') throw new PlatformError(ErrorCodes.invalidParams, 'url is required (e.g. syslog+tls://logs.example.com:6514).');
    const url = raw.trim();
    // Validates the URL and checks the destination against the drain policy (PLATFORM_DRAIN_ALLOW), resolving
    // a name; PLT_INVALID_PARAMS (422) says what is wrong and which setting would allow it. Connects check again.
    await ctx.logs.checkDrainUrl(url);
    const drain = await ctx.store.drains.add(app.id, url);
    ctx.logs.addDrain(app.name, { id: drain.id, url: drain.url, token: drain.token });
    reply.status(201);
    return drainJson(app, drain);
  });

  api.delete<{ Params: { app: string; drain: string } }>('/apps/:app/log-drains/:drain', access('app:manage'), async (request) => {
    const app = await appFor(ctx, request, request.params.app, 'manage');
    const drain = await ctx.store.drains.remove(app.id, request.params.drain);
    if (!drain) throw notFound(request.params.drain);
    ctx.logs.removeDrain(app.name, drain.id);
    return drainJson(app, drain);
  });
}
