import platformPackage from '../../../package.json' with { type: 'json' };

/**
 * The platform's version, e.g. `0.1.0`: the `version` field of the repository's root package.json, the one source
 * of truth for the CLI, the server (`GET /healthz` reports it) and the packed CLI's own package.json. The build
 * inlines it into the bundle, so an installed CLI reports the version of the server it was packed with.
 */
export const VERSION: string = platformPackage.version;
