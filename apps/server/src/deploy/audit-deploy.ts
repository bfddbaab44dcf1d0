import type { GitPush } from '@platform/git-http';
import type { Store } from '@platform/store-postgres';
import type { PushPrincipal } from './deployer.ts';

/**
 * Records a `git push` deploy in the audit trail (action `deploy`: the pusher, its address, the app, the commit and
 * whether it went live). A failure to record is swallowed: the push's own answer matters more.
 */
export async function recordDeploy(store: Pick<Store, 'audit'>, push: Pick<GitPush, 'principal' | 'update' | 'branch'>, result: 'succeeded' | 'failed'): Promise<void> {
  const { user, app, address } = push.principal as PushPrincipal;
  await store.audit
    .record({
      userId: user.id,
      userEmail: user.email,
      sourceAddress: address ?? null,
      requestId: null,
      action: 'deploy',
      appId: app.id,
      appName: app.name,
      details: { commit: push.update.newSha, branch: push.branch, result },
    })
    .catch(() => undefined);
}
