import { PlatformError } from '@platform/types';

/** CLI-side error codes (stable, never reused). */
export const CliErrorCodes = {
  noServer: 'PLT_CLI_NO_SERVER',
  notLoggedIn: 'PLT_CLI_NOT_LOGGED_IN',
  noApp: 'PLT_CLI_NO_APP',
  multipleApps: 'PLT_CLI_MULTIPLE_APPS',
  badArgs: 'PLT_CLI_BAD_ARGS',
  confirmation: 'PLT_CLI_CONFIRMATION',
  unreachable: 'PLT_CLI_SERVER_UNREACHABLE',
  api: 'PLT_CLI_API_ERROR',
  usage: 'PLT_CLI_USAGE',
  releaseFailed: 'PLT_CLI_RELEASE_FAILED',
} as const;

/**
 * An error the CLI prints as ` ▸    message`, followed by `hint` (what to do next).
 *
 *   throw cliError(CliErrorCodes.noApp, 'No app specified.', 'Use --app APP.');
 */
export function cliError(
  code: string,
  message: string,
  hint?: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): PlatformError {
  return new PlatformError(code, message, {
    details: hint === undefined ? details : { ...details, hint },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function hintOf(err: unknown): string | undefined {
  const hint = (err as { details?: { hint?: unknown } } | null)?.details?.hint;
  return typeof hint === 'string' ? hint : undefined;
}
