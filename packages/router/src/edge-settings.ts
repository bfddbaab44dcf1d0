import type { AppEdgeSettings } from '@platform/types';
import { errorPage } from './pages.ts';

/**
 * Heroku's maintenance page: a 503 with code H80 (logged `at=info`: the app is not failing), while the app's dynos
 * keep running. Source: Heroku Dev Center, "Maintenance Mode" and "Heroku Error Codes" (H80).
 */
export const MAINTENANCE_PAGE = errorPage('Offline for Maintenance').replace(
  '</h1>',
  '</h1><p>This app is in maintenance mode. Please check back soon.</p>',
);

const DEFAULTS: AppEdgeSettings = { maintenance: false, redirectHttps: false };

/** Each app's edge switches (maintenance, HTTPS redirect); an app never set has them off. */
export function createEdgeSettings() {
  const settings = new Map<string, AppEdgeSettings>();
  return {
    set(app: string, value: AppEdgeSettings): void {
      settings.set(app, { maintenance: value.maintenance, redirectHttps: value.redirectHttps });
    },
    get: (app: string): AppEdgeSettings => settings.get(app) ?? DEFAULTS,
    remove: (app: string): void => void settings.delete(app),
  };
}
