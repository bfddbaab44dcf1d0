import platformPackage from '../../../package.json' with { type: 'json' };

/**
 * platformd's version, e.g. `0.1.0`: the `version` field of the repository's root package.json, which the CLI
 * reports too (`platform --version`). `GET /healthz` answers it as `{"status": "ok", "version": "0.1.0"}`.
 */
export const VERSION: string = platformPackage.version;
