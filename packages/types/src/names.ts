import { PlatformError, ErrorCodes } from './errors.ts';

/**
 * One allow-list rule per kind of name. Names are validated, never "cleaned":
 * anything that does not match is refused.
 */

/** Heroku's app name rule: 3–30 chars, lowercase letter first, no trailing dash. */
export const APP_NAME_RE = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/;
/** Procfile process types (`web`, `worker`, `release`, …). */
export const PROCESS_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** Config var keys. */
export const CONFIG_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Dyno names: `<type>.<n>` (e.g. `web.1`, `run.3`). */
export const DYNO_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}\.[1-9][0-9]{0,5}$/;

export function isValidAppName(name: unknown): name is string {
  return typeof name === 'string' && APP_NAME_RE.test(name);
}

export function assertAppName(name: unknown): string {
  if (!isValidAppName(name)) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      'Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes (3 to 30 characters).',
      { details: { field: 'name' } },
    );
  }
  return name;
}

export function isValidProcessType(type: unknown): type is string {
  return typeof type === 'string' && PROCESS_TYPE_RE.test(type);
}

export function isValidConfigKey(key: unknown): key is string {
  return typeof key === 'string' && CONFIG_KEY_RE.test(key);
}
