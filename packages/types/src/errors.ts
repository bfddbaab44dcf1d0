/**
 * The one base error of the platform. Match on `code` (a stable string such as
 * `PLT_APP_NOT_FOUND`, never reused), not on `instanceof`: errors cross package
 * boundaries and module copies.
 *
 *   throw new PlatformError('PLT_APP_NOT_FOUND', `Couldn't find that app.`, { details: { app } });
 */
export class PlatformError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
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

/** Codes used across packages. Domain packages may define their own, always prefixed PLT_. */
export const ErrorCodes = {
  invalidParams: 'PLT_INVALID_PARAMS',
  appNotFound: 'PLT_APP_NOT_FOUND',
  appExists: 'PLT_APP_EXISTS',
  releaseNotFound: 'PLT_RELEASE_NOT_FOUND',
  buildNotFound: 'PLT_BUILD_NOT_FOUND',
  buildFailed: 'PLT_BUILD_FAILED',
  procfileInvalid: 'PLT_PROCFILE_INVALID',
  unauthorized: 'PLT_UNAUTHORIZED',
  forbidden: 'PLT_FORBIDDEN',
  unsafePath: 'PLT_UNSAFE_PATH',
  unsafeArchive: 'PLT_UNSAFE_ARCHIVE',
  subprocessFailed: 'PLT_SUBPROCESS_FAILED',
  dynoNotFound: 'PLT_DYNO_NOT_FOUND',
  bootTimeout: 'PLT_BOOT_TIMEOUT',
  runtimeUnavailable: 'PLT_RUNTIME_UNAVAILABLE',
} as const;
