import { ErrorCodes, PlatformError } from '@platform/types';

/** Where an ACME CA fetches an http-01 challenge (RFC 8555 §8.3): this prefix, then the token. */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/** An http-01 token: base64url (RFC 8555 §8.3), bounded. */
export const ACME_TOKEN_RE = /^[A-Za-z0-9_-]{1,256}$/;

/** A key authorization: `<token>.<base64url thumbprint>`, so base64url and dots only (safe in a map file line). */
export const ACME_KEY_AUTHORIZATION_RE = /^[A-Za-z0-9_.-]{1,1024}$/;

/**
 * Checks a challenge before a driver stores it (`Router.setChallenge`): the token and key authorization end up
 * in request matching and, for HAProxy, in runtime API commands and a map file, so only their ACME alphabet passes.
 *
 *   checkChallenge('tok_en-1', 'tok_en-1.thumbprint'); // ok; 'a b' or 'x;y' throw PLT_INVALID_PARAMS
 */
export function checkChallenge(token: string, keyAuthorization: string | null): void {
  if (!ACME_TOKEN_RE.test(token)) throw new PlatformError(ErrorCodes.invalidParams, `Invalid ACME challenge token: ${JSON.stringify(token.slice(0, 300))}`);
  if (keyAuthorization !== null && !ACME_KEY_AUTHORIZATION_RE.test(keyAuthorization)) {
    throw new PlatformError(ErrorCodes.invalidParams, `Invalid ACME key authorization for token ${token}`);
  }
}
