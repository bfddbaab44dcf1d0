import { PlatformError, ErrorCodes } from '@platform/types';

export type DrainTarget =
  | { kind: 'syslog'; tls: boolean; host: string; port: number }
  | { kind: 'http'; url: string; auth: { username: string; password: string } | null };

const MAX_URL_LENGTH = 2048;
const KNOWN_SCHEMES = new Set(['syslog', 'syslog+tcp', 'tcpsyslog', 'syslog+tls', 'http', 'https']);
const EXAMPLES = 'syslog+tls://logs.example.com:6514 or https://user:pass@logs.example.com/drain';

function invalid(message: string): PlatformError {
  return new PlatformError(ErrorCodes.invalidParams, message, { details: { field: 'url' } });
}

/**
 * Validates a drain URL and says where to deliver (logplex `valid_uri`): `syslog://host[:port]` (TCP, port 601
 * by default; `syslog+tcp://` and `tcpsyslog://` are aliases), `syslog+tls://host:port`, and `http(s)://…` whose
 * user-info becomes Basic auth. Anything else throws PLT_INVALID_PARAMS with a message that says what to fix.
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
    return { kind: 'http', url: url.href, auth };
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
