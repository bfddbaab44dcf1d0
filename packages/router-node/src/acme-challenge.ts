import type { IncomingMessage, ServerResponse } from 'node:http';

const PREFIX = '/.well-known/acme-challenge/';
/** A token is base64url (RFC 8555 §8.3). */
const TOKEN_RE = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Answers an ACME http-01 challenge (RFC 8555 §8.3) on any host: `GET /.well-known/acme-challenge/<token>` gets
 * the key authorization `lookup(token)` gives, as text/plain. Returns false (the request is routed as usual, so an
 * app may answer its own challenges) when the path is another or the token is unknown.
 */
export function answerAcmeChallenge(req: IncomingMessage, res: ServerResponse, lookup: ((token: string) => string | undefined) | undefined): boolean {
  if (!lookup || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const url = req.url ?? '';
  if (!url.startsWith(PREFIX)) return false;
  const token = url.slice(PREFIX.length);
  if (!TOKEN_RE.test(token)) return false;
  const keyAuthorization = lookup(token);
  if (keyAuthorization === undefined) return false;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(keyAuthorization), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : keyAuthorization);
  return true;
}
