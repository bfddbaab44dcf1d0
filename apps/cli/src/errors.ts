import { ErrorCodes, PlatformError, type ErrorCode } from '@platform/types';

/** CLI-side error codes (stable, never reused); they are part of the one union in packages/types. */
export const CliErrorCodes = {
  noServer: ErrorCodes.cliNoServer,
  notLoggedIn: ErrorCodes.cliNotLoggedIn,
  noApp: ErrorCodes.cliNoApp,
  multipleApps: ErrorCodes.cliMultipleApps,
  badArgs: ErrorCodes.cliBadArgs,
  confirmation: ErrorCodes.cliConfirmation,
  unreachable: ErrorCodes.cliUnreachable,
  api: ErrorCodes.cliApi,
  usage: ErrorCodes.cliUsage,
  releaseFailed: ErrorCodes.cliReleaseFailed,
  timeout: ErrorCodes.cliTimeout,
} as const;

/**
 * An error the CLI prints as ` ▸    message`, followed by `hint` (what to do next).
 *
 *   throw cliError(CliErrorCodes.noApp, 'No app specified.', 'Use --app APP.');
 */
export function cliError(
  code: ErrorCode,
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
