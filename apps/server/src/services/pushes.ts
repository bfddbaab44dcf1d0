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
 * @throws PLT_UNAUTHORIZED (git then asks for credentials); PLT_APP_NOT_FOUND; PLT_FORBIDDEN (a collaborator
 *   without the permission).
 */
export async function authorizePush(
  store: Pick<Store, 'accounts' | 'apps' | 'collaborators'>,
  token: string | null,
  appName: string,
  service: 'git-receive-pack' | 'git-upload-pack' = 'git-receive-pack',
): Promise<PushPrincipal> {
  const { user } = await authenticate(store, token);
  const app = await findApp(store, user, appName, service === 'git-receive-pack' ? 'deploy' : 'view');
  return { user, app };
}
