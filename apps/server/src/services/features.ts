import { ErrorCodes, PlatformError, type AppEdgeSettings } from '@platform/types';
import type { AppRecord, User } from '@platform/store-postgres';
import { findApp } from './apps.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * The app features this platform has (Heroku Platform API "App Feature": `GET /apps/{app}/features`,
 * `PATCH /apps/{app}/features/{name} {"enabled": true}`). Heroku has no built-in HTTPS redirect; its own router
 * switches (`http-session-affinity`, `http-routing-2-dot-0`) are app features, so the redirect is one too: the
 * Heroku CLI's `features:enable`/`features:disable` and our `platform features:*` drive it alike.
 */
export const APP_FEATURES = {
  'redirect-https': {
    id: '00000000-0000-4000-8000-0000000000f1',
    description: 'Redirect plain-HTTP requests to HTTPS (301 for GET and HEAD, 308 otherwise) for every hostname of the app a certificate covers; ACME http-01 challenges are still answered over HTTP.',
    docUrl: 'https://github.com/platform/platform#commands',
  },
} as const;

/** A feature's name, e.g. `redirect-https`. */
export type AppFeatureName = keyof typeof APP_FEATURES;

/** One feature of one app, as the API shows it. */
export interface AppFeature {
  /** A fixed id per feature (Heroku's are uuids too). */
  id: string;
  name: AppFeatureName;
  description: string;
  docUrl: string;
  enabled: boolean;
  app: AppRecord;
}

/** What the edge (the router driver) is told about an app: its maintenance and redirect switches. */
export function edgeSettingsOf(app: Pick<AppRecord, 'maintenance' | 'redirectHttps'>): AppEdgeSettings {
  return { maintenance: app.maintenance, redirectHttps: app.redirectHttps };
}

function featureOf(app: AppRecord, name: AppFeatureName): AppFeature {
  const { id, description, docUrl } = APP_FEATURES[name];
  return { id, name, description, docUrl, enabled: app.redirectHttps, app };
}

function checkName(name: string): AppFeatureName {
  if (Object.hasOwn(APP_FEATURES, name)) return name as AppFeatureName;
  throw new PlatformError(ErrorCodes.notFound, `Couldn't find that feature: ${name}. Features: ${Object.keys(APP_FEATURES).join(', ')}.`, { details: { feature: name } });
}

/** `GET /apps/{app}/features`: every feature with its state for the app. @throws PLT_APP_NOT_FOUND */
export async function listFeatures(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<AppFeature[]> {
  const app = await findApp(deps.store, user, appName);
  return (Object.keys(APP_FEATURES) as AppFeatureName[]).map((name) => featureOf(app, name));
}

/** `GET /apps/{app}/features/{name}`. @throws PLT_APP_NOT_FOUND; PLT_NOT_FOUND for an unknown feature */
export async function getFeature(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string, name: string): Promise<AppFeature> {
  const app = await findApp(deps.store, user, appName);
  return featureOf(app, checkName(name));
}

/**
 * `PATCH /apps/{app}/features/{name} {"enabled": boolean}` (needs `manage`, like domains and certificates): stores
 * the switch, then tells the edge; at start platformd replays it (start/edge-state.ts).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_NOT_FOUND for an unknown feature; PLT_INVALID_PARAMS without a boolean `enabled`
 */
export async function setFeature(
  deps: Pick<ServiceDeps, 'store' | 'edge' | 'logger'>,
  user: User,
  appName: string,
  name: string,
  enabled: unknown,
): Promise<AppFeature> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const feature = checkName(name);
  if (typeof enabled !== 'boolean') throw new PlatformError(ErrorCodes.invalidParams, 'enabled must be true or false.', { details: { field: 'enabled' } });
  const updated = await deps.store.apps.setRedirectHttps(app.id, enabled);
  await deps.edge.setSettings(updated.name, edgeSettingsOf(updated));
  deps.logger.info({ app: app.name, user: user.email, feature, enabled }, 'app feature changed');
  return featureOf(updated, feature);
}
