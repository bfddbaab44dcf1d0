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

export interface DynoEnvironmentInput {
  /** The dyno's name: `DYNO`. */
  dyno: string;
  /** `PORT`, or null for none (the process driver gives it to web dynos only). */
  port: number | null;
  /** `HOME`: the app directory as the dyno sees it (`/app` in an image); null leaves it to the image (Dockerfile builds). */
  home: string | null;
  /** Values the app's config may override (the process driver's `PATH`). */
  defaults?: Readonly<Record<string, string>> | undefined;
  /** Driver values set last (docker's `TINI_KILL_PROCESS_GROUP`). */
  extra?: Readonly<Record<string, string>> | undefined;
}

/**
 * A dyno's whole environment: `defaults`, then the app's config (`appEnvironment`: checked, platform names
 * dropped), then the platform's `HOME`, `DYNO`, `PORT` and the driver's `extra`, so the platform's values win.
 * Nothing of the server's own environment. Throws PLT_INVALID_PARAMS as `appEnvironment`.
 *
 *   dynoEnvironment({ A: '1', PORT: '9' }, { dyno: 'web.1', port: 5000, home: '/app' })
 *   → { A: '1', HOME: '/app', DYNO: 'web.1', PORT: '5000' }
 */
export function dynoEnvironment(config: Readonly<Record<string, string>>, input: DynoEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = { ...input.defaults, ...appEnvironment(config) };
  if (input.home !== null) env.HOME = input.home;
  env.DYNO = input.dyno;
  if (input.port !== null) env.PORT = String(input.port);
  return Object.assign(env, input.extra);
}
