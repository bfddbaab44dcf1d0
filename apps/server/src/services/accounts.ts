import { ErrorCodes, PlatformError } from '@platform/types';
import type { Store, User } from '@platform/store-postgres';
import { verifyPassword } from './passwords.ts';

/** Who is acting: the user, and the token it came with (null for a password login), so a revocation can find its sessions. */
export interface Principal {
  user: User;
  tokenId: string | null;
}

const invalid = () => new PlatformError(ErrorCodes.unauthorized, 'Invalid credentials provided. Run `platform login`.');

/**
 * The user an API token belongs to: the acting user every service takes. Tokens come as `Authorization: Bearer`
 * (the API) or as the Basic password (git, so `~/.netrc` serves both, as on Heroku). An expired or revoked token,
 * or one of a disabled or removed user, is refused like an unknown one.
 *
 * @throws PLT_UNAUTHORIZED "Invalid credentials provided. Run `platform login`." for a missing or unknown token.
 */
export async function authenticate(store: Pick<Store, 'accounts'>, token: string | null): Promise<Principal> {
  const found = token ? await store.accounts.authenticate(token) : null;
  if (!found) throw invalid();
  return found;
}

/**
 * The user with this e-mail and password (`platform login`, which then creates a personal token). Unknown e-mails
 * take as long as wrong passwords (a decoy hash is verified), so the answer does not say which e-mails exist.
 *
 * @throws PLT_UNAUTHORIZED "Invalid credentials provided…" for an unknown e-mail, a wrong password, a user without
 *   a password yet (an invitation not accepted) or a disabled user.
 */
export async function authenticatePassword(store: Pick<Store, 'accounts'>, email: string, password: string): Promise<Principal> {
  const found = email && password ? await store.accounts.passwordOf(email) : null;
  const ok = await verifyPassword(password, found?.hash ?? null);
  if (!found || !ok || found.user.disabledAt) throw invalid();
  const { id, email: address, isAdmin } = found.user;
  return { user: { id, email: address, isAdmin }, tokenId: null };
}
