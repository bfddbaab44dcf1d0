import { ErrorCodes, PlatformError } from '@platform/types';
import type { TokenRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';

/** The longest `expires_in` accepted: ten years, in seconds. */
export const MAX_EXPIRES_IN_S = 10 * 365 * 24 * 3600;

type Deps = Pick<ServiceDeps, 'store' | 'accessEvents' | 'logger'>;

/**
 * Issues a personal API token for `user` (Heroku's `POST /oauth/authorizations`): `description` (at most 200
 * characters, default "platform CLI") and `expires_in` (seconds, 1 to MAX_EXPIRES_IN_S; absent or null: never).
 * The secret is returned here only; the store keeps its hash.
 *
 * @throws PLT_INVALID_PARAMS
 */
export async function createAuthorization(
  deps: Deps,
  user: User,
  input: { description?: unknown; expires_in?: unknown },
): Promise<{ token: string; record: TokenRecord }> {
  const description = input.description ?? 'platform CLI';
  if (typeof description !== 'string' || description.length > 200 || /[\0-\x1f]/.test(description)) {
    throw new PlatformError(ErrorCodes.invalidParams, 'description must be a line of text of at most 200 characters.');
  }
  let expiresAt: Date | null = null;
  if (input.expires_in !== undefined && input.expires_in !== null) {
    const s = input.expires_in;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > MAX_EXPIRES_IN_S) {
      throw new PlatformError(ErrorCodes.invalidParams, `expires_in must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN_S}.`);
    }
    expiresAt = new Date(Date.now() + s * 1000);
  }
  const issued = await deps.store.accounts.issueToken(user.id, description, { expiresAt });
  deps.logger.info({ user: user.email, token: issued.record.id }, 'token issued');
  return issued;
}

/** The user's tokens, without their secrets. */
export async function listAuthorizations(deps: Pick<ServiceDeps, 'store'>, user: User): Promise<TokenRecord[]> {
  return deps.store.accounts.listTokens(user.id);
}

/**
 * One of the user's tokens.
 *
 * @throws PLT_TOKEN_NOT_FOUND
 */
export async function getAuthorization(deps: Pick<ServiceDeps, 'store'>, user: User, id: string): Promise<TokenRecord> {
  const found = (await deps.store.accounts.listTokens(user.id)).find((t) => t.id === id);
  if (!found) throw new PlatformError(ErrorCodes.tokenNotFound, `No authorization ${id}. List them with platform authorizations.`);
  return found;
}

/**
 * Revokes one of the user's tokens: the next request with it gets 401, and log tails and attach sessions opened
 * with it are closed now.
 *
 * @throws PLT_TOKEN_NOT_FOUND (another user's token too: nothing changes)
 */
export async function revokeAuthorization(deps: Deps, user: User, id: string): Promise<TokenRecord> {
  const revoked = await deps.store.accounts.revokeToken(user.id, id);
  if (!revoked) throw new PlatformError(ErrorCodes.tokenNotFound, `No authorization ${id}. List them with platform authorizations.`);
  deps.accessEvents.revoked({ tokenId: revoked.id });
  deps.logger.info({ user: user.email, token: revoked.id }, 'token revoked');
  return revoked;
}
