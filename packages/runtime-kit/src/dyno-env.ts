import { ErrorCodes, PlatformError, isValidConfigKey } from '@platform/types';
import { DRIVER_VARIABLES } from './platform-variables.ts';

const DRIVER_OWNED: ReadonlySet<string> = new Set(DRIVER_VARIABLES);

/**
 * The app's part of a dyno's environment: the release's config (with the manager's dyno metadata), checked
 * once more at the runtime boundary, minus the names a driver sets itself (PORT, DYNO, HOME, …), which the
 * driver then adds with its own values. Nothing of the server's own environment is in it.
 *
 *   appEnvironment({ DATABASE_URL: 'postgres://…', PORT: '1' }) → { DATABASE_URL: 'postgres://…' }
 *
 * Throws PLT_INVALID_PARAMS for a key outside the config-var allow-list or a value that is not a string or
 * holds a NUL byte (a process environment cannot carry one).
 */
export function appEnvironment(config: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!isValidConfigKey(key)) {
      throw new PlatformError(ErrorCodes.invalidParams, 'Invalid config var key.', { details: { field: 'env' } });
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new PlatformError(ErrorCodes.invalidParams, `Config var ${key} must be a string without NUL bytes.`, {
        details: { field: 'env', key },
      });
    }
    if (!DRIVER_OWNED.has(key)) env[key] = value;
  }
  return env;
}
