import type { Store } from '@platform/store-postgres';
import type { PushPrincipal } from '../deploy/deployer.ts';
import { authenticate } from './accounts.ts';
import { findApp } from './apps.ts';

/**
 * Authorises a git request over smart HTTP for `appName` with the Basic-auth password `token`: a push
 * (`git-receive-pack`) needs the deploy permission, a fetch or clone (`git-upload-pack`) the view permission
 * (owners and admins have both). Resolves the pusher and the app record, which git-http hands to the deployer's
 * `onPush` as the push's principal, so a push looks its app up once.
 *
 * Failed authentications count against the source address (`throttle`, the API's own count).
 *
 * @throws PLT_UNAUTHORIZED (git then asks for credentials); PLT_APP_NOT_FOUND; PLT_FORBIDDEN (a collaborator
 *   without the permission); PLT_RATE_LIMITED (too many failures from the address).
 */
export async function authorizePush(
  store: Pick<Store, 'accounts' | 'apps' | 'collaborators'>,
  token: string | null,
  appName: string,
  service: 'git-receive-pack' | 'git-upload-pack' = 'git-receive-pack',
  throttle?: { check(): void; failed(): void },
): Promise<PushPrincipal> {
  throttle?.check();
  const { user } = await authenticate(store, token).catch((err: unknown) => {
    // A request without credentials is git asking which to send, not a failed attempt.
    if (token !== null) throttle?.failed();
    throw err;
  });
  const app = await findApp(store, user, appName, service === 'git-receive-pack' ? 'deploy' : 'view');
  return { user, app };
}
