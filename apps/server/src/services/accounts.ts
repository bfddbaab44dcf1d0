import { ErrorCodes, PlatformError } from '@platform/types';
import type { Store, User } from '@platform/store-postgres';

/**
 * The user an API token belongs to: the acting user every service takes. Tokens come as `Authorization: Bearer`
 * (the API) or as the Basic password (git, so `~/.netrc` serves both, as on Heroku).
 *
 * @throws PLT_UNAUTHORIZED "Invalid credentials provided. Run `platform login`." for a missing or unknown token.
 */
export async function authenticate(store: Pick<Store, 'accounts'>, token: string | null): Promise<User> {
  const user = token ? await store.accounts.authenticate(token) : null;
  if (!user) throw new PlatformError(ErrorCodes.unauthorized, 'Invalid credentials provided. Run `platform login`.');
  return user;
}
