import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are for one connection and are not forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Also removes the headers a `Connection` header lists. Mutates and returns `headers`. */
export function stripHopByHop(headers: IncomingHttpHeaders, keepUpgrade = false): IncomingHttpHeaders {
  const connection = headers.connection;
  if (connection) {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (keepUpgrade && name === 'upgrade') continue;
      if (name) delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) {
    if (keepUpgrade && (name === 'connection' || name === 'upgrade')) continue;
    if (name in headers) delete headers[name];
  }
  return headers;
}

/** Raw response headers ([name, value, name, value, …]) minus the hop-by-hop ones. */
export function forwardableRawHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (HOP_BY_HOP.has(raw[i]!.toLowerCase())) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** The client address without the IPv4-mapped IPv6 prefix. */
export function clientIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** What the router adds to every response's `Via` (Heroku's legacy router adds `1.1 vegur`). */
export const VIA = '1.1 platform';

/** Raw response headers with the router's hop appended to `Via` (RFC 9110 §7.6.3). Mutates and returns `raw`. */
export function withVia(raw: string[]): string[] {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'via') {
      raw[i + 1] = `${raw[i + 1]}, ${VIA}`;
      return raw;
    }
  }
  raw.push('Via', VIA);
  return raw;
}
