import net from 'node:net';
import { PlatformError, ErrorCodes } from '@platform/types';

export type DrainTarget =
  | { kind: 'syslog'; tls: boolean; host: string; port: number }
  | { kind: 'http'; url: string; host: string; port: number; auth: { username: string; password: string } | null };

const MAX_URL_LENGTH = 2048;
const KNOWN_SCHEMES = new Set(['syslog', 'syslog+tcp', 'tcpsyslog', 'syslog+tls', 'http', 'https']);
const EXAMPLES = 'syslog+tls://logs.example.com:6514 or https://user:pass@logs.example.com/drain';

function invalid(message: string): PlatformError {
  return new PlatformError(ErrorCodes.invalidParams, message, { details: { field: 'url' } });
}

/** A DNS name: letters, digits, hyphens (and underscores) in labels of at most 63, 253 in all, one trailing dot allowed. */
const DNS_NAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;
/** The one way we accept an IPv4 address: four decimal numbers 0–255 without leading zeros. */
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** A last label that resolvers and the WHATWG URL parser read as a number (`127.1`, `0x7f.1`, `2130706433`). */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/i;

/**
 * The host exactly as the user wrote it, from the raw URL: the URL parser turns `http://2130706433/`,
 * `http://0x7f000001/`, `http://0177.0.0.1/`, `http://127.1/` and `http://%31%32%37.0.0.1/` into 127.0.0.1,
 * and leaves them as they are in `syslog://` URLs for getaddrinfo to read the same way.
 */
function rawHost(raw: string, scheme: string): string {
  const rest = raw.slice(scheme.length + 1);
  if (!rest.startsWith('//')) throw invalid(`Invalid drain URL ${JSON.stringify(raw)}: it must look like ${EXAMPLES}.`);
  const authority = rest.slice(2).split(/[/\\?#]/, 1)[0]!;
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1);
  const colon = hostPort.lastIndexOf(':');
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
}

/**
 * Refuses hosts written in any but the usual way, so that what is checked is what is connected to: an IPv4
 * address is four decimal numbers (not decimal, hex or octal integers, nor short forms such as `127.1`), an
 * IPv6 address is in brackets, and a name is plain ASCII letters, digits and hyphens (punycode for IDNs).
 */
function checkHostSyntax(host: string): void {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (host.startsWith('[')) {
    if (net.isIPv6(bare)) return;
  } else if (NUMERIC_LABEL.test(host.replace(/\.$/, '').split('.').at(-1) ?? '')) {
    if (DOTTED_QUAD.test(host)) return;
  } else if (DNS_NAME.test(host)) {
    return;
  }
  throw invalid(
    `Drain host ${JSON.stringify(host)} is not a valid host: write an IPv4 address as four decimal numbers (e.g. 203.0.113.10), ` +
      'an IPv6 address in brackets (e.g. [2001:db8::10]), or a DNS name (letters, digits and hyphens).',
  );
}

/**
 * Validates a drain URL and says where to deliver (logplex `valid_uri`): `syslog://host[:port]` (TCP, port 601
 * by default; `syslog+tcp://` and `tcpsyslog://` are aliases), `syslog+tls://host:port`, and `http(s)://…` whose
 * user-info becomes Basic auth. Anything else throws PLT_INVALID_PARAMS with a message that says what to fix,
 * odd spellings of a host included (see checkHostSyntax). Where the host may be reached is a separate question
 * (drain-policy.ts).
 */
export function parseDrainUrl(input: unknown): DrainTarget {
  if (typeof input !== 'string' || input.trim() === '') throw invalid(`A drain URL is required, e.g. ${EXAMPLES}.`);
  const raw = input.trim();
  if (raw.length > MAX_URL_LENGTH) throw invalid(`Drain URL is too long (at most ${MAX_URL_LENGTH} characters).`);
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) throw invalid('Drain URL must not contain spaces or control characters.');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  if (!scheme) throw invalid(`Invalid drain URL ${JSON.stringify(raw)}: it needs a scheme, e.g. ${EXAMPLES}.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`Invalid drain URL ${JSON.stringify(raw)}: it must look like ${EXAMPLES}.`);
  }
  if (scheme === 'syslog+udp' || scheme === 'udpsyslog') {
    throw invalid('UDP syslog drains are not supported: use syslog:// (TCP) or syslog+tls://.');
  }
  if (!KNOWN_SCHEMES.has(scheme)) {
    // `logs.example.com:514` parses as scheme "logs.example.com".
    if (!raw.includes('://')) throw invalid(`Invalid drain URL ${JSON.stringify(raw)}: it needs a scheme, e.g. ${EXAMPLES}.`);
    throw invalid(`Unsupported drain scheme "${scheme}://". Use syslog://, syslog+tls:// or https:// (http:// also works).`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw invalid(`Drain URL ${JSON.stringify(raw)} has no host.`);
  checkHostSyntax(rawHost(raw, scheme));

  if (scheme === 'syslog' || scheme === 'syslog+tcp' || scheme === 'tcpsyslog' || scheme === 'syslog+tls') {
    const tls = scheme === 'syslog+tls';
    if (tls && url.port === '') throw invalid('A syslog+tls:// drain needs a port, e.g. syslog+tls://logs.example.com:6514.');
    if (url.username || url.password) throw invalid('Syslog drain URLs cannot carry credentials.');
    if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
      throw invalid('Syslog drain URLs take only a host and a port, e.g. syslog://logs.example.com:514.');
    }
    const port = url.port === '' ? 601 : Number(url.port);
    if (port === 0) throw invalid('Drain port must be between 1 and 65535.');
    return { kind: 'syslog', tls, host, port };
  }
  if (scheme === 'http' || scheme === 'https') {
    if (url.port === '0') throw invalid('Drain port must be between 1 and 65535.');
    if (url.hash) throw invalid('HTTP drain URLs cannot have a #fragment.');
    const auth =
      url.username || url.password
        ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
        : null;
    url.username = '';
    url.password = '';
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    return { kind: 'http', url: url.href, host, port, auth };
  }
  throw invalid(`Unsupported drain scheme "${scheme}://". Use syslog://, syslog+tls:// or https:// (http:// also works).`);
}

/** The URL with any password replaced by `***`, for messages and the platform's own logs. */
export function redactDrainUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '(invalid URL)';
  }
}
