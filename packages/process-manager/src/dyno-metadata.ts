/**
 * Heroku's dyno metadata (its `runtime-dyno-metadata` feature, on by default here): variables that tell a
 * dyno which app and release it runs, e.g. for error trackers and for showing the version.
 *
 *   dynoMetadata({ app: 'shop', appId: '…', releaseVersion: 42 })
 *   → { HEROKU_APP_ID: '…', HEROKU_APP_NAME: 'shop', HEROKU_RELEASE_VERSION: 'v42' }
 *
 * Source: Heroku Dev Center, "Dyno Metadata" (`HEROKU_RELEASE_VERSION` is `"v42"`, with the v).
 */
export function dynoMetadata(input: { app: string; appId: string; releaseVersion: number }): Record<string, string> {
  return {
    HEROKU_APP_ID: input.appId,
    HEROKU_APP_NAME: input.app,
    HEROKU_RELEASE_VERSION: `v${input.releaseVersion}`,
  };
}

/** A dyno's env: the release's config, then the metadata (the platform's values win over a config var's). */
export function withDynoMetadata(env: Readonly<Record<string, string>>, input: { app: string; appId: string; releaseVersion: number }): Record<string, string> {
  return { ...env, ...dynoMetadata(input) };
}
