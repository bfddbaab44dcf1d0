import type { FastifyInstance } from 'fastify';
import type { AppRecord } from '@platform/store-postgres';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { appJson } from '../serialize.ts';
import { parseRange } from '../range.ts';
import { createApp, destroyApp, getAppInfo, listApps, renameApp, updateApp } from '../../services/apps.ts';
import { transferApp } from '../../services/collaborators.ts';
import { changePassword } from '../../services/users.ts';

/** The owner's id and e-mail for an app's JSON. */
async function ownerOf(ctx: Pick<ApiContext, 'store'>, app: AppRecord) {
  const owner = await ctx.store.accounts.findUser(app.ownerId);
  return { id: app.ownerId, email: owner?.email ?? '' };
}

async function appList(ctx: ApiContext, apps: AppRecord[], rangeHeader: string | undefined, reply: { header(k: string, v: string): unknown }) {
  const range = parseRange(rangeHeader, ['id', 'name', 'updated_at'], 'name');
  reply.header('Accept-Ranges', 'id, name, updated_at');
  if (range.order === 'desc') apps.reverse();
  const emails = new Map((await ctx.store.accounts.listUsers()).map((u) => [u.id, u.email]));
  return apps.slice(0, range.max).map((a) => appJson(ctx, a, { id: a.ownerId, email: emails.get(a.ownerId) ?? '' }));
}

export function registerAppRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/account', access('user'), async (request) => ({
    id: request.user.id,
    email: request.user.email,
    name: null,
    admin: request.user.isAdmin,
    verified: true,
    two_factor_authentication: false,
  }));

  // Heroku's Rate Limit Info: what is left of this token's per-minute allowance (PLATFORM_API_REQUESTS_PER_MINUTE).
  // The access hook ran the limiter before this handler, so this request is counted and its header is set.
  api.get('/account/rate-limits', access('user'), async (_request, reply) => {
    const remaining = Number(reply.getHeader('x-ratelimit-remaining'));
    return { remaining: Number.isInteger(remaining) ? remaining : ctx.config.apiRequestLimit };
  });

  // `{"password": "…", "current_password": "…"}` (the current one only once a password is set).
  api.patch('/account', access('user'), async (request) => {
    await changePassword(ctx, request.user, (request.body ?? {}) as { password?: unknown; current_password?: unknown });
    return { id: request.user.id, email: request.user.email };
  });

  // Heroku's account features (beta flags): none here.
  api.get('/account/features', access('user'), async () => []);

  api.get('/apps', access('user'), async (request, reply) => appList(ctx, await listApps(ctx, request.user), request.headers.range, reply));

  // Heroku's "list my apps": what `apps` lists, for the acting user (`~`).
  api.get('/users/~/apps', access('user'), async (request, reply) => appList(ctx, await listApps(ctx, request.user), request.headers.range, reply));

  api.post('/apps', access('user'), async (request, reply) => {
    const body = (request.body ?? {}) as { name?: unknown };
    const app = await createApp(ctx, request.user, { name: body.name });
    request.auditApp = app;
    reply.status(201);
    return appJson(ctx, app, request.user);
  });

  api.get<{ Params: { app: string } }>('/apps/:app', access('app:view'), async (request) => {
    const { app, release, build } = await getAppInfo(ctx, request.user, request.params.app);
    return appJson(ctx, app, await ownerOf(ctx, app), { releasedAt: release?.createdAt ?? null, buildpack: build?.buildpack ?? null, slugSize: build?.slugSize ?? null });
  });

  // Maintenance (`{"maintenance": true}`, needs operate), rename (`{"name": "new-name"}`, needs manage) and
  // transfer (`{"owner": "email"}`, owner or admin only); the services check the permission each needs.
  api.patch<{ Params: { app: string } }>('/apps/:app', access('app:view'), async (request) => {
    const body = (request.body ?? {}) as { maintenance?: unknown; owner?: unknown; name?: unknown };
    let app = await getAppInfo(ctx, request.user, request.params.app).then((i) => i.app);
    if (body.maintenance !== undefined) app = await updateApp(ctx, request.user, app.id, { maintenance: body.maintenance });
    if (body.name !== undefined) app = await renameApp(ctx, request.user, app.id, body.name);
    if (body.owner !== undefined) app = await transferApp(ctx, request.user, app.id, body.owner);
    return appJson(ctx, app, await ownerOf(ctx, app));
  });

  api.delete<{ Params: { app: string } }>('/apps/:app', access('app:owner'), async (request) => {
    const app = await destroyApp(ctx, request.user, request.params.app);
    return appJson(ctx, app, null);
  });
}
