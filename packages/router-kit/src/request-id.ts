import { randomUUID } from 'node:crypto';

/**
 * A client's X-Request-Id the router keeps: 20–200 characters of `[A-Za-z0-9+/=-]` (Heroku Dev Center,
 * "HTTP Request IDs"). Anything else is replaced by a generated UUID.
 */
export const REQUEST_ID_RE = /^[A-Za-z0-9+/=-]{20,200}$/;

/** The client's X-Request-Id when valid (see `REQUEST_ID_RE`), else a new UUID. */
export function requestIdFrom(value: string | string[] | undefined): string {
  return typeof value === 'string' && REQUEST_ID_RE.test(value) ? value : randomUUID();
}
