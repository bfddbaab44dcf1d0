import type { FastifyRequest } from 'fastify';
import { PlatformError } from '@platform/types';
import type { AppRecord } from '@platform/store-postgres';
import type { ApiContext } from './context.ts';

/** Extracts a token from `Authorization: Bearer <t>` or Basic (any user, the token as password). */
export function tokenFrom(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    return password === '' ? null : password;
  }
  return null;
}

export async function authenticate(ctx: ApiContext, token: string | null) {
  if (!token) throw new PlatformError('PLT_UNAUTHORIZED', 'Invalid credentials provided. Run `platform login`.');
  const user = await ctx.store.accounts.authenticate(token);
  if (!user) throw new PlatformError('PLT_UNAUTHORIZED', 'Invalid credentials provided. Run `platform login`.');
  return user;
}

/**
 * Finds an app the requesting user may act on: its owner or an admin. Other users get the same 404
 * as for a missing app, so app names do not leak.
 */
export async function appFor(ctx: ApiContext, request: FastifyRequest, nameOrId: string): Promise<AppRecord> {
  const app = await ctx.store.apps.find(nameOrId);
  if (!app || (!request.user.isAdmin && app.ownerId !== request.user.id)) {
    throw new PlatformError('PLT_APP_NOT_FOUND', "Couldn't find that app.");
  }
  return app;
}
