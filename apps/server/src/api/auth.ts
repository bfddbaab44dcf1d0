import type { FastifyRequest } from 'fastify';
import type { AppRecord, User } from '@platform/store-postgres';
import type { ApiContext } from './context.ts';
import { authenticate as authenticateToken } from '../services/accounts.ts';
import { findApp } from '../services/apps.ts';

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

/** The token's user (services/accounts.ts); throws PLT_UNAUTHORIZED. */
export async function authenticate(ctx: Pick<ApiContext, 'store'>, token: string | null): Promise<User> {
  return authenticateToken(ctx.store, token);
}

/** The app the requesting user may act on (services/apps.ts `findApp`); throws PLT_APP_NOT_FOUND. */
export async function appFor(ctx: Pick<ApiContext, 'store'>, request: Pick<FastifyRequest, 'user'>, nameOrId: string): Promise<AppRecord> {
  return findApp(ctx.store, request.user, nameOrId);
}
