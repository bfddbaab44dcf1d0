import { ErrorCodes, PlatformError, isValidConfigKey } from '@platform/types';
import { isPlatformVariable } from '@platform/runtime-kit';
import type { AppRecord, ConfigVars, ReleaseRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';

/** Heroku's cap on the total size of an app's config vars, keys plus values, in bytes (Dev Center "Config vars": 32 kB). */
export const MAX_CONFIG_BYTES = 32 * 1024;

/** A config change: a string sets a var, null removes it. */
export type ConfigChanges = Record<string, string | null>;

/** `Set A, B config vars`, `Remove C config vars`, `Set A and remove C config vars`: Heroku's release descriptions. */
export function describeConfigChange(changes: ConfigChanges): string {
  const set = Object.keys(changes).filter((k) => changes[k] !== null);
  const removed = Object.keys(changes).filter((k) => changes[k] === null);
  if (removed.length === 0) return `Set ${set.join(', ')} config vars`;
  if (set.length === 0) return `Remove ${removed.join(', ')} config vars`;
  return `Set ${set.join(', ')} and remove ${removed.join(', ')} config vars`;
}

/**
 * Checks a change (`{"KEY": "value", "OLD": null}`, as PATCH /apps/{app}/config-vars takes it) before anything
 * changes: at least one var; names by the one allow-list (letters, digits, `_`, not starting with a digit); no
 * variable the platform sets in every dyno (PORT, DYNO, …: `isPlatformVariable`); string or null values without NUL.
 *
 * @throws PLT_INVALID_PARAMS naming the first offending var.
 */
export function validateConfigChanges(body: unknown): ConfigChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PlatformError(ErrorCodes.invalidParams, 'Send a JSON object of config vars: {"KEY": "value", "OLD": null}.');
  }
  const changes: ConfigChanges = {};
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length === 0) throw new PlatformError(ErrorCodes.invalidParams, 'No config vars given.');
  for (const [key, value] of entries) {
    if (!isValidConfigKey(key)) {
      throw new PlatformError(ErrorCodes.invalidParams, `${JSON.stringify(key)} is not a valid config var name: use letters, digits and underscores, not starting with a digit.`);
    }
    if (isPlatformVariable(key)) {
      throw new PlatformError(ErrorCodes.invalidParams, `${key} is set by the platform in every dyno and cannot be changed.`);
    }
    if (value !== null && typeof value !== 'string') {
      throw new PlatformError(ErrorCodes.invalidParams, `The value of ${key} must be a string (or null to remove it).`);
    }
    // A process environment is a list of NUL-terminated strings: a NUL byte cannot reach a dyno.
    if (value !== null && value.includes('\0')) {
      throw new PlatformError(ErrorCodes.invalidParams, `The value of ${key} contains a NUL byte, which a process environment cannot carry.`);
    }
    changes[key] = value;
  }
  return changes;
}

/**
 * Refuses config whose keys and values (UTF-8 bytes) total more than MAX_CONFIG_BYTES.
 *
 * @throws PLT_INVALID_PARAMS "Config vars would total N bytes; the limit is 32768 bytes (32 kB)."
 */
export function assertConfigSize(config: Readonly<ConfigVars>): void {
  const size = Object.entries(config).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > MAX_CONFIG_BYTES) {
    throw new PlatformError(ErrorCodes.invalidParams, `Config vars would total ${size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (32 kB).`);
  }
}

/**
 * The app's config vars, `{"KEY": "value"}`.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function getConfigVars(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<ConfigVars> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  return deps.store.config.get(app.id);
}

/**
 * Applies a config change (validated as `validateConfigChanges`). A config change is a release (Heroku Dev Center
 * "Releases"): when the app has a current release, a new one pairs its build with the new config and the app rolls
 * onto it (release phase, health-gated restart). A failed rollout marks that release failed; the change itself
 * stands, as on Heroku. Returns the app's whole config after the change and the new release (null before the
 * first deploy).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_INVALID_PARAMS for a bad change or one that would take the config over 32 kB.
 */
export async function setConfigVars(
  deps: Pick<ServiceDeps, 'store' | 'deployer' | 'logger'>,
  user: User,
  appName: string,
  body: unknown,
): Promise<{ config: ConfigVars; release: ReleaseRecord | null }> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  const changes = validateConfigChanges(body);
  await assertNotAddonOwned(deps.store, app.id, changes);
  return applyConfigChanges(deps, user, app, changes, describeConfigChange(changes));
}

/**
 * Refuses a change to a var an add-on attachment owns (`DATABASE_URL` of the `DATABASE` attachment), in Heroku's
 * words, naming each var's add-on and the way out (detach, or destroy).
 *
 * @throws PLT_ADDON_CONFIG_OWNED "Cannot overwrite attachment values DATABASE_URL. DATABASE_URL belongs to add-on
 *   postgresql-… (attachment DATABASE); …", details `{ vars, addons }`
 */
export async function assertNotAddonOwned(store: ServiceDeps['store'], appId: string, changes: ConfigChanges): Promise<void> {
  const clash = (await store.addons.attachments(appId)).filter((a) => Object.hasOwn(changes, `${a.name}_URL`));
  if (clash.length === 0) return;
  const owners = await Promise.all(clash.map(async (a) => ({ attachment: a.name, addon: (await store.addons.find(a.addonId))?.name ?? a.addonId })));
  const vars = clash.map((a) => `${a.name}_URL`);
  const whose = owners.map((o) => `${o.attachment}_URL belongs to add-on ${o.addon} (attachment ${o.attachment})`).join('; ');
  throw new PlatformError(
    ErrorCodes.addonConfigOwned,
    `Cannot overwrite attachment values ${vars.join(', ')}. ${whose}. Detach it first (platform addons:detach ${owners[0]!.attachment}) or destroy the add-on (platform addons:destroy).`,
    { details: { vars, addons: owners.map((o) => o.addon) } },
  );
}

/**
 * Applies validated changes as one release (when the app has one) and rolls the app onto it: what `config:set`
 * does, and what attaching or detaching an add-on does with its `*_URL` var (`skipReleasePhase`: Heroku runs no
 * release command for an add-on's config change). The 32 kB cap is checked on the merged
 * config under the app's row lock, so two changes that race cannot pass it together.
 */
export async function applyConfigChanges(
  deps: Pick<ServiceDeps, 'store' | 'deployer' | 'logger'>,
  user: User,
  app: AppRecord,
  changes: ConfigChanges,
  description: string,
  opts: { skipReleasePhase?: boolean } = {},
): Promise<{ config: ConfigVars; release: ReleaseRecord | null }> {
  const { config, release } = await deps.store.releases.updateConfig({
    appId: app.id,
    changes,
    userId: user.id,
    description,
    check: assertConfigSize,
  });
  if (release) {
    // Restart onto the new release (rolling, health-gated). A failed rollout marks the release failed;
    // the config change itself stands, as on Heroku.
    await deps.deployer.deployRelease(app, release, undefined, opts).catch((err: unknown) => deps.logger.warn({ err, app: app.name }, 'config release failed'));
  }
  return { config, release };
}
