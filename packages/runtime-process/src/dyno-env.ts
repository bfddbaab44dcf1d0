import { ErrorCodes, PlatformError, isValidConfigKey } from '@platform/types';

export interface DynoEnvInput {
  config: Readonly<Record<string, string>>;
  dyno: string;
  /** Set on web dynos only (as on Heroku). */
  port: number | null;
  home: string;
  path: string;
}

/** Platform-owned variables that a config var cannot override (the platform value wins at runtime). */
const PLATFORM_OWNED = new Set(['PORT', 'DYNO', 'HOME']);

/**
 * The whole environment of a dyno: the app's config plus the platform variables, and nothing of
 * the server's own environment. Config may set PATH (as on Heroku); PORT, DYNO and HOME are ours.
 */
export function buildDynoEnv(input: DynoEnvInput): Record<string, string> {
  const env: Record<string, string> = { PATH: input.path };
  for (const [key, value] of Object.entries(input.config)) {
    if (!isValidConfigKey(key)) {
      throw new PlatformError(ErrorCodes.invalidParams, `Invalid config var key.`, {
        details: { field: 'env' },
      });
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new PlatformError(
        ErrorCodes.invalidParams,
        `Config var ${key} must be a string without NUL bytes.`,
        {
          details: { field: 'env', key },
        },
      );
    }
    if (PLATFORM_OWNED.has(key)) continue;
    env[key] = value;
  }
  env.HOME = input.home;
  env.DYNO = input.dyno;
  if (input.port !== null) env.PORT = String(input.port);
  return env;
}
