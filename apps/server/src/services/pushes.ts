import type { Store } from '@platform/store-postgres';
import type { PushPrincipal } from '../deploy/deployer.ts';
import { authenticate } from './accounts.ts';
import { findApp } from './apps.ts';

/**
 * Authorises a git request (`git push` / `git fetch` over smart HTTP) for `appName` with the Basic-auth password
 * `token`: the token's user must own the app or be an admin. Resolves the pusher and the app record, which git-http
 * hands to the deployer's `onPush` as the push's principal, so a push looks its app up once.
 *
 * @throws PLT_UNAUTHORIZED (git then asks for credentials); PLT_APP_NOT_FOUND.
 */
export async function authorizePush(store: Pick<Store, 'accounts' | 'apps'>, token: string | null, appName: string): Promise<PushPrincipal> {
  const user = await authenticate(store, token);
  const app = await findApp(store, user, appName);
  return { user, app };
}
