/**
 * The one base error of the platform. Match on `code` (a stable string such as
 * `PLT_APP_NOT_FOUND`, never reused), not on `instanceof`: errors cross package
 * boundaries and module copies.
 *
 *   throw new PlatformError('PLT_APP_NOT_FOUND', `Couldn't find that app.`, { details: { app } });
 */
export class PlatformError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlatformError';
    this.code = code;
    this.details = options.details;
  }
}

export function isPlatformError(value: unknown): value is PlatformError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as { code: string }).code.startsWith('PLT_') &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * Every error code the platform throws, by area. Stable strings, never reused: a new failure gets a new code
 * here, and the compiler then asks the API's code → status table (apps/server/src/api/errors.ts) for its answer.
 */
export const ErrorCodes = {
  // requests and names
  invalidParams: 'PLT_INVALID_PARAMS',
  badRequest: 'PLT_BAD_REQUEST',
  rangeInvalid: 'PLT_RANGE_INVALID',
  notFound: 'PLT_NOT_FOUND',
  conflict: 'PLT_CONFLICT',
  unauthorized: 'PLT_UNAUTHORIZED',
  forbidden: 'PLT_FORBIDDEN',
  rateLimited: 'PLT_RATE_LIMITED',
  // users, tokens, collaborators
  userExists: 'PLT_USER_EXISTS',
  userNotFound: 'PLT_USER_NOT_FOUND',
  tokenNotFound: 'PLT_TOKEN_NOT_FOUND',
  collaboratorExists: 'PLT_COLLABORATOR_EXISTS',
  collaboratorNotFound: 'PLT_COLLABORATOR_NOT_FOUND',
  // apps, builds, releases, dynos
  appNotFound: 'PLT_APP_NOT_FOUND',
  appExists: 'PLT_APP_EXISTS',
  releaseNotFound: 'PLT_RELEASE_NOT_FOUND',
  releaseFailed: 'PLT_RELEASE_FAILED',
  noRelease: 'PLT_NO_RELEASE',
  rollbackInvalid: 'PLT_ROLLBACK_INVALID',
  buildNotFound: 'PLT_BUILD_NOT_FOUND',
  buildFailed: 'PLT_BUILD_FAILED',
  procfileInvalid: 'PLT_PROCFILE_INVALID',
  dynoNotFound: 'PLT_DYNO_NOT_FOUND',
  bootTimeout: 'PLT_BOOT_TIMEOUT',
  runtimeUnavailable: 'PLT_RUNTIME_UNAVAILABLE',
  // the edge: domains, certificates
  domainInvalid: 'PLT_DOMAIN_INVALID',
  domainTaken: 'PLT_DOMAIN_TAKEN',
  domainNotFound: 'PLT_DOMAIN_NOT_FOUND',
  certificateInvalid: 'PLT_CERTIFICATE_INVALID',
  sniEndpointNotFound: 'PLT_SNI_ENDPOINT_NOT_FOUND',
  acmeFailed: 'PLT_ACME_FAILED',
  routerUnavailable: 'PLT_ROUTER_UNAVAILABLE',
  // add-ons
  addonNotFound: 'PLT_ADDON_NOT_FOUND',
  addonServiceNotFound: 'PLT_ADDON_SERVICE_NOT_FOUND',
  addonProvisionFailed: 'PLT_ADDON_PROVISION_FAILED',
  addonConfigOwned: 'PLT_ADDON_CONFIG_OWNED',
  backupNotFound: 'PLT_BACKUP_NOT_FOUND',
  backupFailed: 'PLT_BACKUP_FAILED',
  restoreFailed: 'PLT_RESTORE_FAILED',
  addonAttachmentNotFound: 'PLT_ADDON_ATTACHMENT_NOT_FOUND',
  confirmationRequired: 'PLT_CONFIRMATION_REQUIRED',
  // files and archives
  unsafePath: 'PLT_UNSAFE_PATH',
  unsafeArchive: 'PLT_UNSAFE_ARCHIVE',
  invalidArchive: 'PLT_INVALID_ARCHIVE',
  subprocessFailed: 'PLT_SUBPROCESS_FAILED',
  // the platform's own state (start-up and storage)
  databaseUnavailable: 'PLT_DATABASE_UNAVAILABLE',
  dataDirLocked: 'PLT_DATA_DIR_LOCKED',
  postgresDirNotEmpty: 'PLT_POSTGRES_DIR_NOT_EMPTY',
  postgresDirNotTraversable: 'PLT_POSTGRES_DIR_NOT_TRAVERSABLE',
  invalidSecretKey: 'PLT_INVALID_SECRET_KEY',
  secretKeyMismatch: 'PLT_SECRET_KEY_MISMATCH',
  decryptFailed: 'PLT_DECRYPT_FAILED',
  // the CLI (never sent by the server)
  cliNoServer: 'PLT_CLI_NO_SERVER',
  cliNotLoggedIn: 'PLT_CLI_NOT_LOGGED_IN',
  cliNoApp: 'PLT_CLI_NO_APP',
  cliMultipleApps: 'PLT_CLI_MULTIPLE_APPS',
  cliBadArgs: 'PLT_CLI_BAD_ARGS',
  cliConfirmation: 'PLT_CLI_CONFIRMATION',
  cliUnreachable: 'PLT_CLI_SERVER_UNREACHABLE',
  cliApi: 'PLT_CLI_API_ERROR',
  cliUsage: 'PLT_CLI_USAGE',
  cliReleaseFailed: 'PLT_CLI_RELEASE_FAILED',
  cliTimeout: 'PLT_CLI_TIMEOUT',
} as const;

/** The union of every code: `PlatformError` takes nothing else, so a typo or a forgotten code fails to compile. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Codes the server can throw (everything but the CLI's own). */
export type ServerErrorCode = Exclude<ErrorCode, `PLT_CLI_${string}`>;

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/** True for a code in the union (an error from another process or version may carry one we do not know). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}
