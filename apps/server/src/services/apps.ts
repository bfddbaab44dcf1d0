import { ErrorCodes, PlatformError, isValidAppName } from '@platform/types';
import type { AppRecord, BuildRecord, ReleaseRecord, Store, User } from '@platform/store-postgres';
import { randomAppName } from '../names.ts';
import type { ServiceDeps } from './deps.ts';
import { destroyAppAddons } from './addons.ts';
import { syncCertificates } from './sni-endpoints.ts';

/**
 * The app `nameOrId` (a name or an id) if `user` may act on it: its owner or an admin. Anyone else gets the same
 * answer as for a missing app, so app names do not leak (Heroku answers 404 too).
 *
 * @throws PLT_APP_NOT_FOUND "Couldn't find that app."
 */
export async function findApp(store: Pick<Store, 'apps'>, user: User, nameOrId: string): Promise<AppRecord> {
  const app = await store.apps.find(nameOrId);
  if (!app || (!user.isAdmin && app.ownerId !== user.id)) {
    throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
  }
  return app;
}

/** The apps `user` may see (an admin: all), by name ascending. */
export async function listApps(deps: Pick<ServiceDeps, 'store'>, user: User): Promise<AppRecord[]> {
  return (await deps.store.apps.list()).filter((a) => user.isAdmin || a.ownerId === user.id);
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
  const app = await findApp(deps.store, user, nameOrId);
  if (input.name !== undefined && input.name !== app.name) {
    throw new PlatformError(ErrorCodes.invalidParams, 'Renaming an app is not supported yet: create a new app and push to it.', { details: { field: 'name' } });
  }
  if (input.maintenance === undefined) return app;
  if (typeof input.maintenance !== 'boolean') {
    throw new PlatformError(ErrorCodes.invalidParams, 'maintenance must be true or false.', { details: { field: 'maintenance' } });
  }
  const updated = await deps.store.apps.setMaintenance(app.id, input.maintenance);
  await deps.edge.setSettings(updated.name, { maintenance: updated.maintenance, redirectHttps: false });
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
  deps: Pick<ServiceDeps, 'store' | 'manager' | 'logger' | 'forgetApp' | 'edge' | 'addonProviders'>,
  user: User,
  nameOrId: string,
): Promise<AppRecord> {
  const app = await findApp(deps.store, user, nameOrId);
  const hadCertificates = (await deps.store.sniEndpoints.list(app.id)).length > 0 || (await deps.store.domains.list(app.id)).some((d) => d.acmCertificate);
  // The store first: from then on no reconcile (a crash restart, the tick) finds a release to start, and
  // removeApp, which waits for a reconcile under way, stops whatever it started.
  const slugs = (await deps.store.builds.list(app.id)).flatMap((b) => (b.slugChecksum ? [b.slugChecksum] : []));
  // Its add-ons' databases go first: the store refuses to drop an app whose add-ons still exist.
  await destroyAppAddons(deps, app);
  await deps.store.apps.destroy(app.id);
  await deps.manager.removeApp(app.id);
  await deps.forgetApp(app, slugs);
  // Its domains and certificates went with its rows; the edge stops serving its certificates too.
  if (hadCertificates) await syncCertificates(deps);
  deps.logger.info({ app: app.name, user: user.email }, 'app destroyed');
  return app;
}
