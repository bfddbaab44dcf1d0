import type { AppRecord, BuildRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';

/** A build and the id of the release that deployed it (null for a failed build, or one not released yet). */
export interface BuildView {
  build: BuildRecord;
  releaseId: string | null;
}

/**
 * The app's builds, oldest first, each with the deploy release that used it (a rollback reusing the build is not
 * its release).
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function listBuilds(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<{ app: AppRecord; builds: BuildView[] }> {
  const app = await findApp(deps.store, user, appName);
  const builds = await deps.store.builds.list(app.id);
  const releases = await deps.store.releases.list(app.id, { max: 1000 });
  const releaseOf = (buildId: string) => releases.find((r) => r.buildId === buildId && r.description.startsWith('Deploy'))?.id ?? null;
  return { app, builds: builds.map((build) => ({ build, releaseId: releaseOf(build.id) })) };
}

/**
 * One build by id, with the first release that used it.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_BUILD_NOT_FOUND
 */
export async function getBuild(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string, id: string): Promise<{ app: AppRecord; build: BuildView }> {
  const app = await findApp(deps.store, user, appName);
  const build = await deps.store.builds.get(app.id, id);
  const releases = await deps.store.releases.list(app.id, { max: 1000 });
  return { app, build: { build, releaseId: releases.find((r) => r.buildId === build.id)?.id ?? null } };
}
