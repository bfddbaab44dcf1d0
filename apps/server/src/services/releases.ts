import { ErrorCodes, PlatformError } from '@platform/types';
import type { AppRecord, ConfigVars, ReleaseListOptions, ReleaseRecord, User } from '@platform/store-postgres';
import { rollbackAddonAdjuster } from './addons.ts';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';

/** A page of releases and the id of the current one (the newest succeeded), for `current` in each. */
export interface ReleasePage {
  app: AppRecord;
  releases: ReleaseRecord[];
  currentId: string | null;
}

/** One release and the id of the current one. */
export interface ReleaseView {
  app: AppRecord;
  release: ReleaseRecord;
  currentId: string | null;
}

/**
 * A release can be rolled back to when it succeeded and has a build (Heroku's `eligible_for_rollback`; the CLI's
 * `rollback` without a version picks the previous eligible one).
 */
export function isEligibleForRollback(release: Pick<ReleaseRecord, 'status' | 'buildId'>): boolean {
  return release.status === 'succeeded' && release.buildId !== null;
}

/**
 * Releases by version: `order` asc or desc, at most `max` (1–1000, default 200), only those after (asc) / before
 * (desc) version `after`.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function listReleases(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string, options: ReleaseListOptions): Promise<ReleasePage> {
  const app = await findApp(deps.store, user, appName);
  const releases = await deps.store.releases.list(app.id, options);
  const current = await deps.store.releases.current(app.id);
  return { app, releases, currentId: current?.id ?? null };
}

/**
 * One release by version (`7`, `v7`) or id.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_RELEASE_NOT_FOUND
 */
export async function getRelease(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string, ref: string): Promise<ReleaseView> {
  const app = await findApp(deps.store, user, appName);
  const release = await deps.store.releases.get(app.id, ref);
  const current = await deps.store.releases.current(app.id);
  return { app, release, currentId: current?.id ?? null };
}

/**
 * The config vars a release ran with (its immutable snapshot).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_RELEASE_NOT_FOUND
 */
export async function getReleaseConfigVars(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string, ref: string): Promise<ConfigVars> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  const release = await deps.store.releases.get(app.id, ref);
  return deps.store.releases.config(release.id);
}

/** `7`, `v7` or a release id; anything else is refused before a lookup. */
function parseReleaseRef(ref: unknown): string {
  if (typeof ref !== 'string' && typeof ref !== 'number') {
    throw new PlatformError(ErrorCodes.invalidParams, 'Give the release to roll back to: {"release": "<id or version>"}.');
  }
  const text = String(ref);
  if (!/^v?[0-9]+$/.test(text) && !/^[0-9a-f-]{36}$/i.test(text)) {
    throw new PlatformError(ErrorCodes.invalidParams, `${JSON.stringify(text)} is not a release version (e.g. v12) or id.`);
  }
  if (/^v?0+$/.test(text)) throw new PlatformError(ErrorCodes.invalidParams, 'Release versions start at v1.');
  return text;
}

/**
 * Rolls back to release `ref` (an id, as Heroku's `{"release": "<id>"}`, or a version `7` / `v7`): a new release
 * `Rollback to vN` with the target's build **and** config (Heroku Dev Center "Releases"; it never rebuilds), which
 * then goes through the release phase and a health-gated rollout. A failed rollout leaves that release failed and
 * the running one serving; the new release is returned either way, as it ended. Add-on vars are the exception:
 * the app's attachments keep their current URLs and a destroyed add-on's URL is not restored; the description
 * says so (`rollbackAddonAdjuster`).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_INVALID_PARAMS for a malformed ref; PLT_RELEASE_NOT_FOUND; PLT_ROLLBACK_INVALID
 *   for a target that is not eligible (`isEligibleForRollback`); PLT_CONFLICT when its slug is gone.
 */
export async function rollbackRelease(
  deps: Pick<ServiceDeps, 'store' | 'deployer' | 'logger'>,
  user: User,
  appName: string,
  ref: unknown,
): Promise<ReleaseView> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  const target = await deps.store.releases.get(app.id, parseReleaseRef(ref));
  if (!isEligibleForRollback(target)) {
    throw new PlatformError(ErrorCodes.rollbackInvalid, `v${target.version} is not eligible for rollback (status ${target.status}${target.buildId ? '' : ', no build'}).`);
  }
  await deps.deployer.assertRunnable(target);
  const adjust = await rollbackAddonAdjuster(deps.store, app.id);
  const release = await deps.store.releases.rollback({ appId: app.id, target, userId: user.id, adjust });
  await deps.deployer.deployRelease(app, release).catch((err: unknown) => deps.logger.warn({ err, app: app.name }, 'rollback release failed'));
  const final = await deps.store.releases.get(app.id, release.id);
  const current = await deps.store.releases.current(app.id);
  return { app, release: final, currentId: current?.id ?? null };
}
