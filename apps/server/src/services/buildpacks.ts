import { ErrorCodes, PlatformError } from '@platform/types';
import type { AppRecord, User } from '@platform/store-postgres';
import { installedBuildpacks } from '@platform/builder-kit';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';

/** Most buildpacks one app may chain (Heroku allows 6 in practice; more is a mistake). */
export const MAX_APP_BUILDPACKS = 6;

/** The buildpacks the app chose, in order; empty when detection picks one at each build. */
export async function appBuildpacks(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<{ app: AppRecord; buildpacks: string[] }> {
  const app = await findApp(deps.store, user, appName);
  return { app, buildpacks: app.buildpacks };
}

/**
 * Resolves what a client asked for to installed buildpack names: `nodejs`, or `heroku/nodejs` as Heroku's tooling
 * names it. Throws PLT_INVALID_PARAMS naming the installed ones for anything else, a repeat, or too many.
 */
export function resolveBuildpacks(requested: readonly unknown[], installed: readonly string[]): string[] {
  if (requested.length > MAX_APP_BUILDPACKS) {
    throw new PlatformError(ErrorCodes.invalidParams, `At most ${MAX_APP_BUILDPACKS} buildpacks can be set on an app.`);
  }
  const names: string[] = [];
  for (const raw of requested) {
    const name = typeof raw === 'string' ? raw.trim().replace(/^heroku\//, '') : '';
    if (!installed.includes(name)) {
      const shown = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 100)) : 'that';
      throw new PlatformError(
        ErrorCodes.invalidParams,
        `Buildpack ${shown} is not installed on this platform. Installed buildpacks: ${installed.join(', ')}.`,
      );
    }
    if (names.includes(name)) throw new PlatformError(ErrorCodes.invalidParams, `Buildpack ${name} is listed twice.`);
    names.push(name);
  }
  return names;
}

/**
 * Replaces the app's buildpacks (`[]` clears the choice: detection again). Takes effect at the next build; the
 * running release is untouched. Throws PLT_INVALID_PARAMS as `resolveBuildpacks` does, changing nothing.
 */
export async function setAppBuildpacks(
  deps: Pick<ServiceDeps, 'store' | 'config'>,
  user: User,
  appName: string,
  requested: readonly unknown[],
): Promise<{ app: AppRecord; buildpacks: string[] }> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  const names = resolveBuildpacks(requested, await installedBuildpacks(deps.config.buildpacksDir));
  const updated = await deps.store.apps.setBuildpacks(app.id, names);
  return { app: updated, buildpacks: updated.buildpacks };
}
