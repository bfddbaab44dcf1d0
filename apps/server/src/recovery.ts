import type { Logger } from 'pino';
import type { Store } from '@platform/store-postgres';

/** Why a build or release that was under way when the previous server ended is failed at start-up. */
export const RESTART_REASON = 'platform restarted';

export interface InterruptedDeploys {
  builds: Array<{ appId: string; id: string }>;
  releases: Array<{ appId: string; version: number }>;
}

/**
 * For start-up, before the process manager runs: every build and release still `pending` belonged to a
 * server that died mid-deploy (nothing else runs them once it is gone), so each ends `failed` with the
 * reason "platform restarted". The running release of each app stays the last succeeded one, so exactly
 * one release's formation is converged on; a re-push deploys normally. Resolves what it failed.
 */
export async function recoverInterruptedDeploys(store: Store, logger: Logger): Promise<InterruptedDeploys> {
  const builds = await store.builds.failPending(RESTART_REASON);
  const releases = await store.releases.failPending(RESTART_REASON);
  if (builds.length + releases.length > 0) {
    logger.warn({ builds: builds.length, releases: releases.length }, `failed the builds and releases a previous server left pending (${RESTART_REASON})`);
  }
  return { builds, releases };
}

/** The app-log lines that say so (`platform[api]: Build failed: platform restarted`). */
export function interruptedEvents(interrupted: InterruptedDeploys): Array<{ appId: string; message: string }> {
  return [
    ...interrupted.builds.map((b) => ({ appId: b.appId, message: `Build failed: ${RESTART_REASON}` })),
    ...interrupted.releases.map((r) => ({ appId: r.appId, message: `Release v${r.version} failed: ${RESTART_REASON}` })),
  ];
}
