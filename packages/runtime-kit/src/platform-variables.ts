/**
 * The one list of variables the platform owns in a dyno's environment. Runtime drivers set the first group,
 * the process manager the second (Heroku's dyno metadata); the API refuses a config var of any of these
 * names, and a driver drops one that reached it anyway, so the platform's value always wins.
 *
 * Sources: Heroku Dev Center, "Dynos" (PORT, DYNO, HOME=/app), "Dyno Metadata" (HEROKU_APP_ID,
 * HEROKU_APP_NAME, HEROKU_RELEASE_VERSION); PS is Heroku's legacy name of DYNO.
 */
export const DRIVER_VARIABLES = ['PORT', 'DYNO', 'HOME', 'PS', 'TINI_KILL_PROCESS_GROUP'] as const;

/** Set by the process manager from the release (see process-manager's `dynoMetadata`). */
export const METADATA_VARIABLES = ['HEROKU_APP_ID', 'HEROKU_APP_NAME', 'HEROKU_RELEASE_VERSION', 'PLATFORM_RELEASE_VERSION'] as const;

/** Every platform-owned name: what `config:set` refuses. */
export const PLATFORM_VARIABLES: ReadonlySet<string> = new Set<string>([...DRIVER_VARIABLES, ...METADATA_VARIABLES]);

/** True when `key` is set by the platform in every dyno and cannot be a config var. */
export function isPlatformVariable(key: string): boolean {
  return PLATFORM_VARIABLES.has(key);
}
