export { runCli, createProgram, printError } from './cli.ts';
export { VERSION } from './version.ts';
export {
  createContext,
  normalizeServer,
  appPath,
  type CliIO,
  type Context,
  type GlobalFlags,
} from './context.ts';
export {
  createApiClient,
  ACCEPT,
  type ApiClient,
  type ApiClientOptions,
  type RequestOptions,
} from './http.ts';
export { resolveApp, appFromGitUrl, type AppFlags, type ResolveAppOptions } from './resolve-app.ts';
export {
  parseNetrc,
  setNetrcEntry,
  removeNetrcEntry,
  readNetrcEntry,
  saveNetrcEntry,
  deleteNetrcEntry,
  netrcPath,
  type NetrcEntry,
} from './netrc.ts';
export { configPath, readSavedConfig, writeSavedConfig, type SavedConfig } from './config-file.ts';
export { parseConfigSetArgs, parseScaleArgs, parseReleaseRef, type ScaleChange } from './args.ts';
export { CliErrorCodes, cliError } from './errors.ts';
export type * from './api-types.ts';
