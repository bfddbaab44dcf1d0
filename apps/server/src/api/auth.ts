import type { FastifyRequest } from 'fastify';
import type { AppRecord } from '@platform/store-postgres';
import type { ApiContext } from './context.ts';
import { findApp, type AppNeed } from '../services/apps.ts';

/** What an Authorization header carries: a token, or (Basic with an e-mail as user name) an e-mail and password. */
export type Credentials = { kind: 'token'; token: string } | { kind: 'password'; email: string; password: string };

/**
 * Reads `Authorization: Bearer <token>`, or Basic: any user name and the token as password (git, `~/.netrc`), or an
 * e-mail address as user name and its password (`platform login`, as the Heroku CLI logs in). Null when absent or
 * malformed.
 */
export function credentialsFrom(header: string | undefined): Credentials | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return { kind: 'token', token: bearer[1]! };
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const name = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  if (password === '') return null;
  return name.includes('@') ? { kind: 'password', email: name, password } : { kind: 'token', token: password };
}

/** The token of an Authorization header (Bearer, or a Basic password), or null. */
export function tokenFrom(header: string | undefined): string | null {
  const c = credentialsFrom(header);
  return c ? (c.kind === 'token' ? c.token : c.password) : null;
}

/** The app the requesting user may act on (services/apps.ts `findApp`); throws PLT_APP_NOT_FOUND or PLT_FORBIDDEN. */
export async function appFor(ctx: Pick<ApiContext, 'store'>, request: Pick<FastifyRequest, 'user'>, nameOrId: string, need: AppNeed = 'view'): Promise<AppRecord> {
  return findApp(ctx.store, request.user, nameOrId, need);
}
