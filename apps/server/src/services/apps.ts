import { ErrorCodes, PlatformError, isValidAppName } from '@platform/types';
import type { AppRecord, BuildRecord, Permission, ReleaseRecord, Store, User } from '@platform/store-postgres';
import { randomAppName } from '../names.ts';
import type { ServiceDeps } from './deps.ts';
import { destroyAppAddons } from './addons.ts';
import { detachFromOtherApps } from './addon-attachments.ts';
import { syncCertificates } from './sni-endpoints.ts';
import { edgeSettingsOf } from './features.ts';

/** What an action needs on an app: one of Heroku's permissions, or being its owner (destroy, transfer). */
export type AppNeed = Permission | 'owner';

/**
 * The app `nameOrId` (a name or an id) if `user` may do what `need` says on it: its owner or an admin may do
 * anything; a collaborator what its permissions name (services/collaborators.ts). Anyone else gets the same answer
 * as for a missing app, so app names do not leak (Heroku answers 404 too); a collaborator lacking the permission
 * gets 403, naming it.
 *
 * @throws PLT_APP_NOT_FOUND "Couldn't find that app."; PLT_FORBIDDEN "You need the deploy permission on …".
 */
export async function findApp(store: Pick<Store, 'apps' | 'collaborators'>, user: User, nameOrId: string, need: AppNeed = 'view'): Promise<AppRecord> {
  const app = await store.apps.find(nameOrId);
  if (!app) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
  if (user.isAdmin || app.ownerId === user.id) return app;
  const permissions = await store.collaborators.permissionsOf(app.id, user.id);
  if (!permissions) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
  if (need === 'owner' || !permissions.includes(need)) {
    throw new PlatformError(
      ErrorCodes.forbidden,
      need === 'owner'
        ? `Only the owner of ${app.name} (or an admin) can do that.`
        : `You need the ${need} permission on ${app.name}; its owner can grant it with platform access:update.`,
    );
  }
  return app;
}

/** The apps `user` may see (an admin: all; else those it owns or collaborates on), by name ascending. */
export async function listApps(deps: Pick<ServiceDeps, 'store'>, user: User): Promise<AppRecord[]> {
  const apps = await deps.store.apps.list();
  if (user.isAdmin) return apps;
  const shared = new Set(await deps.store.collaborators.appIdsOf(user.id));
  return apps.filter((a) => a.ownerId === user.id || shared.has(a.id));
}

/**
 * Creates an app owned by `user`, named `name` or, when absent, a random free `adjective-noun-1234` name
 * (Heroku's `apps:create` without a name does the same).
 *
 * @throws PLT_INVALID_PARAMS a name that is not 3–30 characters of lowercase letters, digits and dashes, starting
 *   with a letter and ending with a letter or digit; PLT_APP_EXISTS when the name is taken.
 */
export async function createApp(deps: Pick<ServiceDeps, 'store' | 'logger'>, user: User, input: { name?: unknown }): Promise<AppRecord> {
  const { name } = input;
  if (name !== undefined && name !== null && !isValidAppName(name)) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      'Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes (3 to 30 characters).',
    );
  }
  let app: AppRecord;
  if (typeof name === 'string') {
    app = await deps.store.apps.create({ name, ownerId: user.id });
  } else {
    for (let attempt = 0; ; attempt++) {
      try {
        app = await deps.store.apps.create({ name: randomAppName(), ownerId: user.id });
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== ErrorCodes.appExists || attempt > 5) throw err;
      }
    }
  }
  deps.logger.info({ app: app.name, user: user.email }, 'app created');
  return app;
}

/** What `apps:info` shows beyond the app row: the current release (null before the first deploy) and its build. */
export interface AppInfo {
  app: AppRecord;
  release: ReleaseRecord | null;
  build: BuildRecord | null;
}

/**
 * The app with its current release and build.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function getAppInfo(deps: Pick<ServiceDeps, 'store'>, user: User, nameOrId: string): Promise<AppInfo> {
  const app = await findApp(deps.store, user, nameOrId);
  const current = await deps.store.releases.currentWithBuild(app.id);
  return { app, release: current?.release ?? null, build: current?.build ?? null };
}

/**
 * `PATCH /apps/{app}`: turns maintenance mode on or off (`{maintenance: boolean}`). While on, the edge answers
 * every request to the app's hosts with 503, code H80 and the maintenance page; its dynos keep running (Heroku
 * Dev Center, "Maintenance Mode"). The store changes first, then the edge is told; at start platformd tells the
 * edge every app's state again. Renaming (`name`) is not supported: it would move the app's repo, default host and
 * routes, and is refused rather than ignored.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_INVALID_PARAMS for a body without a boolean `maintenance`, or with `name`.
 */
export async function updateApp(
  deps: Pick<ServiceDeps, 'store' | 'edge' | 'logger'>,
  user: User,
  nameOrId: string,
  input: { maintenance?: unknown; name?: unknown },
): Promise<AppRecord> {
  const app = await findApp(deps.store, user, nameOrId, 'operate');
  if (input.name !== undefined && input.name !== app.name) {
    throw new PlatformError(ErrorCodes.invalidParams, 'Renaming an app is not supported yet: create a new app and push to it.', { details: { field: 'name' } });
  }
  if (input.maintenance === undefined) return app;
  if (typeof input.maintenance !== 'boolean') {
    throw new PlatformError(ErrorCodes.invalidParams, 'maintenance must be true or false.', { details: { field: 'maintenance' } });
  }
  const updated = await deps.store.apps.setMaintenance(app.id, input.maintenance);
  await deps.edge.setSettings(updated.name, edgeSettingsOf(updated));
  deps.logger.info({ app: app.name, user: user.email, maintenance: updated.maintenance }, 'maintenance mode changed');
  return updated;
}

/**
 * Destroys an app: its rows (releases, builds, config, formation, drains, domains, certificates), its dynos, its repo, build cache, images
 * and the slugs no other app's build shares. Returns the record as it was.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function destroyApp(
  deps: Pick<ServiceDeps, 'store' | 'manager' | 'deployer' | 'logger' | 'forgetApp' | 'edge' | 'accessEvents' | 'addonProviders'>,
  user: User,
  nameOrId: string,
): Promise<AppRecord> {
  const app = await findApp(deps.store, user, nameOrId, 'owner');
  const hadCertificates = (await deps.store.sniEndpoints.list(app.id)).length > 0 || (await deps.store.domains.list(app.id)).some((d) => d.acmCertificate);
  // The store first: from then on no reconcile (a crash restart, the tick) finds a release to start, and
  // removeApp, which waits for a reconcile under way, stops whatever it started.
  const slugs = (await deps.store.builds.list(app.id)).flatMap((b) => (b.slugChecksum ? [b.slugChecksum] : []));
  // Its add-ons' databases go first: the store refuses to drop an app whose add-ons still exist. Other apps they
  // are attached to lose the var first (a release each), so no app keeps the URL of a database that is gone.
  await detachFromOtherApps(deps, user, app);
  await destroyAppAddons(deps, app);
  await deps.store.apps.destroy(app.id);
  await deps.manager.removeApp(app.id);
  await deps.forgetApp(app, slugs);
  // Its domains and certificates went with its rows; the edge stops serving its certificates too.
  if (hadCertificates) await syncCertificates(deps);
  // Log tails and attach sessions of the app end; a new app of the same name is another app.
  deps.accessEvents.revoked({ appId: app.id });
  deps.logger.info({ app: app.name, user: user.email }, 'app destroyed');
  return app;
}

/**
 * Renames an app (needs manage; Heroku's `PATCH /apps/{app}` with `name`). The git repository moves (the old
 * remote URL stops working: `platform git:remote` or `git remote set-url` fixes a clone), the router answers the
 * new host only, open log tails and attach sessions of the app close (their URLs named the old app), and the dynos
 * are restarted one by one so they run under the new name (HEROKU_APP_NAME, log lines).
 *
 * @throws PLT_INVALID_PARAMS (the name rule); PLT_APP_EXISTS (taken); PLT_APP_NOT_FOUND; PLT_FORBIDDEN.
 */
export async function renameApp(
  deps: Pick<ServiceDeps, 'store' | 'manager' | 'logger' | 'moveApp' | 'accessEvents'>,
  user: User,
  nameOrId: string,
  name: unknown,
): Promise<AppRecord> {
  const app = await findApp(deps.store, user, nameOrId, 'manage');
  if (!isValidAppName(name)) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      'Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes (3 to 30 characters).',
    );
  }
  if (name === app.name) return app;
  const renamed = await deps.store.apps.rename(app.id, name);
  await deps.moveApp(renamed, app.name);
  deps.accessEvents.revoked({ appId: app.id });
  await deps.manager.reconcile(app.id);
  await deps.manager.restart(app.id);
  deps.logger.info({ app: renamed.name, from: app.name, user: user.email }, 'app renamed');
  return renamed;
}
