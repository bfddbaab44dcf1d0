import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACME_CHALLENGE_PREFIX, ACME_TOKEN_RE, checkChallenge } from '@platform/router-kit';

/**
 * Answers an ACME http-01 challenge (RFC 8555 §8.3) on any host: `GET|HEAD /.well-known/acme-challenge/<token>`
 * gets the key authorization `challenges` holds for the token (`Router.setChallenge`), as text/plain. Returns
 * false (the request is routed as usual, so an app may answer its own challenges) when the path is another or
 * the token is unknown.
 */
export function answerAcmeChallenge(req: IncomingMessage, res: ServerResponse, challenges: ReadonlyMap<string, string>): boolean {
  if (challenges.size === 0 || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const url = req.url ?? '';
  if (!url.startsWith(ACME_CHALLENGE_PREFIX)) return false;
  const token = url.slice(ACME_CHALLENGE_PREFIX.length);
  if (!ACME_TOKEN_RE.test(token)) return false;
  const keyAuthorization = challenges.get(token);
  if (keyAuthorization === undefined) return false;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(keyAuthorization), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : keyAuthorization);
  return true;
}

/** `Router.setChallenge` on the router's map: checked (router-kit `checkChallenge`), then set, or removed with null. */
export function storeChallenge(challenges: Map<string, string>, token: string, keyAuthorization: string | null): void {
  checkChallenge(token, keyAuthorization);
  if (keyAuthorization === null) challenges.delete(token);
  else challenges.set(token, keyAuthorization);
}
