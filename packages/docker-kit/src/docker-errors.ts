import { ErrorCodes, PlatformError } from '@platform/types';

/** HTTP status of a failed Docker Engine API call (dockerode puts it on the error), if any. */
export function dockerStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export const isNotFound = (err: unknown) => dockerStatus(err) === 404;

/** Wraps a failed Docker call as PLT_RUNTIME_UNAVAILABLE: what was attempted, the engine's status and its message. */
export function dockerError(action: string, err: unknown, details: Record<string, unknown> = {}): PlatformError {
  const status = dockerStatus(err);
  const reason = (err as { json?: { message?: unknown } } | null)?.json?.message ?? (err as Error)?.message;
  return new PlatformError(
    ErrorCodes.runtimeUnavailable,
    `Docker: ${action} failed${status ? ` (HTTP ${status})` : ''}: ${String(reason ?? 'unknown error').trim()}`,
    { cause: err, details: { ...details, status } },
  );
}
