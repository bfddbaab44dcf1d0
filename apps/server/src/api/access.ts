import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { User } from '@platform/store-postgres';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ApiContext } from './context.ts';
import { authenticate, authenticatePassword, type Principal } from '../services/accounts.ts';
import { findApp, type AppNeed } from '../services/apps.ts';
import { credentialsFrom } from './auth.ts';
import type { AuthThrottle } from './auth-throttle.ts';

/**
 * Every route declares who may call it, in its fastify config (`api.get(url, access('app:view'), handler)`):
 *
 * - `public`: anyone (health, the CLI package, accepting an invitation: its code is the credential);
 * - `session`: a one-time secret in the URL, handed out by an authenticated route (log streams);
 * - `git`: git smart HTTP, authorised by git-http's `authorize()` (services/pushes.ts) or the hook's nonce;
 * - `user`: any valid token; `login`: a token or Basic `email:password` (creating a personal token);
 * - `admin`: an admin's token (others get 403);
 * - `app:view|deploy|operate|manage|owner`: a token whose user may do that on the `:app` in the path
 *   (services/apps.ts `findApp`: 404 for a stranger, 403 for a collaborator lacking the permission).
 *
 * A route without a rule stops the server at start-up (`installAccessRules`), and the route-table test
 * (test/routes/route-table.test.ts) calls every registered route with bad credentials.
 */
export type RouteAccess = 'public' | 'session' | 'git' | 'user' | 'login' | 'admin' | `app:${AppNeed}`;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The acting user (set for every rule but public, session and git). */
    user: User;
    /** The token the request came with; null for a password login or an unauthenticated rule. */
    tokenId: string | null;
  }
}

/** Route options declaring `rule`: `api.get('/apps', access('user'), handler)`. */
export function access(rule: RouteAccess): { config: { access: RouteAccess } } {
  return { config: { access: rule } };
}

/** One registered route and its rule, for the route-table test and `GET /admin/routes`-style listings. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered on `app` (after `ready()`), with its rule. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}

/** Gives every route registered inside `scope` the rule `rule` unless it declares one (git-http's routes: `git`). */
export function defaultAccess(scope: FastifyInstance, rule: RouteAccess): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    route.config = { ...(route.config as object), access: (route.config as { access?: RouteAccess } | undefined)?.access ?? rule } as RouteOptions['config'];
  });
}

async function principalOf(ctx: Pick<ApiContext, 'store'>, request: FastifyRequest, passwordAllowed: boolean): Promise<Principal> {
  const credentials = credentialsFrom(request.headers.authorization);
  if (credentials?.kind === 'password' && passwordAllowed) return authenticatePassword(ctx.store, credentials.email, credentials.password);
  return authenticate(ctx.store, credentials?.kind === 'token' ? credentials.token : credentials?.kind === 'password' ? credentials.password : null);
}

/**
 * Records every route (refusing, at `ready()`, one without a rule) and enforces each rule before its handler:
 * the per-token request limit (`limiter`, api/rate-limit.ts), authentication (failures counted per source address by `throttle`: 429 with Retry-After once over the limit),
 * then the rule's check. Call on the root instance before any route is registered.
 */
export function installAccessRules(
  app: FastifyInstance,
  ctx: Pick<ApiContext, 'store'>,
  throttle: AuthThrottle,
  limiter?: () => (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): void {
  let limit: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined;
  const table: RouteEntry[] = [];
  const options: RouteOptions[] = [];
  tables.set(app, table);
  app.decorateRequest('user', null as never);
  app.decorateRequest('tokenId', null);
  app.addHook('onRoute', (route) => void options.push(route));
  app.addHook('onReady', async () => {
    for (const route of options) {
      const rule = (route.config as { access?: RouteAccess } | undefined)?.access;
      for (const method of [route.method].flat()) table.push({ method, url: route.url, access: rule });
      if (!rule) throw new Error(`Route ${String(route.method)} ${route.url} declares no access rule (see apps/server/src/api/access.ts).`);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const rule = request.routeOptions.config.access;
    if (rule === undefined || rule === 'public' || rule === 'session' || rule === 'git') return;
    // The per-token request limit first: a flood is refused before its token is looked up.
    if (limiter) await (limit ??= limiter())(request, reply);
    throttle.check(request.ip);
    let principal: Principal;
    try {
      principal = await principalOf(ctx, request, rule === 'login');
    } catch (err) {
      // A request without credentials is no guess at one: only a wrong token or password counts.
      if ((err as { code?: string }).code === ErrorCodes.unauthorized && credentialsFrom(request.headers.authorization)) throttle.failed(request.ip);
      throw err;
    }
    request.user = principal.user;
    request.tokenId = principal.tokenId;
    if (rule === 'admin' && !principal.user.isAdmin) {
      throw new PlatformError(ErrorCodes.forbidden, 'This action needs an admin.');
    }
    if (rule.startsWith('app:')) {
      const name = (request.params as { app?: string }).app ?? '';
      request.auditApp = await findApp(ctx.store, principal.user, name, rule.slice(4) as AppNeed);
    }
  });
}
