import { createPrivateKey, X509Certificate } from 'node:crypto';

/**
 * The platform's own API and git served over TLS by the edge (HAProxy): the hostname it answers on, and the
 * certificate (PEM chain, leaf first, and key) it presents there. The hostnames the certificate covers are kept so
 * the edge can serve it for each (e.g. also `*.<PLATFORM_DOMAIN>` for the apps' default hosts). With `automatic`,
 * no certificate is configured: an ACME CA issues one for the hostname (start/api-certificate.ts), and
 * `certPem`/`keyPem` are null.
 */
export interface ApiEdgeConfig {
  hostname: string;
  certPem: string | null;
  keyPem: string | null;
  /** The certificate's DNS names (subjectAltName), lower-case; `*.example.com` for a wildcard. */
  certHostnames: string[];
  /** The certificate comes from the ACME CA (PLATFORM_ACME_DIRECTORY_URL), issued and renewed by platformd. */
  automatic: boolean;
}

const HOSTNAME_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Reads the API-over-the-edge settings (README "Configuration"): on when PLATFORM_API_TLS_CERT and _KEY (or their
 * `_FILE`s) are set, or when PLATFORM_API_HOSTNAME is set with an ACME CA (`acme`, PLATFORM_ACME_DIRECTORY_URL)
 * and no certificate: the certificate is then automatic. The hostname is PLATFORM_API_HOSTNAME, else the host of
 * an https PLATFORM_PUBLIC_URL. Needs
 * a TLS port on the router (PLATFORM_ROUTER_TLS_PORT) and a router that has one (not PLATFORM_ROUTER=node). The
 * certificate must cover the hostname and match the key. Pure: returns the problems, one line each.
 *
 *   parseApiEdge({ certPem, keyPem, hostname: null, publicUrl: 'https://paas.example.com', routerTlsPort: 443, router: 'auto' })
 *     // { value: { hostname: 'paas.example.com', … }, problems: [] }
 */
export function parseApiEdge(input: {
  certPem: string | null;
  keyPem: string | null;
  hostname: string | null;
  publicUrl: string | null;
  routerTlsPort: number | null;
  router: string;
  /** An ACME CA is configured (PLATFORM_ACME_DIRECTORY_URL). */
  acme?: boolean;
}): { value: ApiEdgeConfig | null; problems: string[] } {
  const problems: string[] = [];
  const { certPem, keyPem } = input;
  if (certPem === null && keyPem === null) {
    if (input.hostname === null) return { value: null, problems };
    if (input.acme === true) return parseAutomatic(input);
    problems.push(
      'PLATFORM_API_HOSTNAME needs PLATFORM_API_TLS_CERT and PLATFORM_API_TLS_KEY (or their _FILE forms), or an ACME CA (PLATFORM_ACME_DIRECTORY_URL) for an automatic certificate: the edge serves the API over TLS only',
    );
    return { value: null, problems };
  }
  if (certPem === null || keyPem === null) return { value: null, problems: ['set both PLATFORM_API_TLS_CERT and PLATFORM_API_TLS_KEY (or their _FILE forms), or neither'] };
  const publicHost = input.publicUrl?.startsWith('https://') ? hostOf(input.publicUrl) : null;
  const hostname = (input.hostname ?? publicHost)?.toLowerCase() ?? null;
  if (hostname === null) problems.push('PLATFORM_API_TLS_CERT needs the API hostname: set PLATFORM_API_HOSTNAME, or PLATFORM_PUBLIC_URL=https://<hostname>');
  else if (!HOSTNAME_RE.test(hostname)) problems.push(`PLATFORM_API_HOSTNAME must be a DNS name such as platform.example.com (got ${JSON.stringify(hostname)})`);
  if (input.publicUrl !== null && hostname !== null && (!input.publicUrl.startsWith('https://') || hostOf(input.publicUrl) !== hostname)) {
    problems.push(`PLATFORM_PUBLIC_URL must be https://${hostname}[:port] when the edge serves the API (or leave it unset: it is derived)`);
  }
  if (input.routerTlsPort === null) problems.push('PLATFORM_API_TLS_CERT needs PLATFORM_ROUTER_TLS_PORT: the router serves the API over TLS (e.g. 443)');
  if (input.router === 'node') problems.push('PLATFORM_API_TLS_CERT needs the HAProxy router: the Node router (PLATFORM_ROUTER=node) runs inside platformd and does not serve the platform API');
  let certHostnames: string[] = [];
  try {
    const leaf = new X509Certificate(certPem);
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) problems.push('PLATFORM_API_TLS_KEY is not the key of PLATFORM_API_TLS_CERT');
    if (hostname !== null && leaf.checkHost(hostname) === undefined) problems.push(`PLATFORM_API_TLS_CERT does not cover ${hostname} (its names: ${leaf.subjectAltName ?? 'none'})`);
    certHostnames = (leaf.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4).toLowerCase());
  } catch (err) {
    problems.push(`PLATFORM_API_TLS_CERT / _KEY: not a PEM certificate and key (${(err as Error).message})`);
  }
  if (problems.length > 0 || hostname === null) return { value: null, problems };
  return { value: { hostname, certPem, keyPem, certHostnames: certHostnames.length > 0 ? certHostnames : [hostname], automatic: false }, problems };
}

/** The automatic form: PLATFORM_API_HOSTNAME and an ACME CA, no certificate; the same hostname/port/router rules. */
function parseAutomatic(input: { hostname: string | null; publicUrl: string | null; routerTlsPort: number | null; router: string }): {
  value: ApiEdgeConfig | null;
  problems: string[];
} {
  const problems: string[] = [];
  const hostname = input.hostname!.toLowerCase();
  if (!HOSTNAME_RE.test(hostname)) problems.push(`PLATFORM_API_HOSTNAME must be a DNS name such as platform.example.com (got ${JSON.stringify(input.hostname)})`);
  if (input.publicUrl !== null && (!input.publicUrl.startsWith('https://') || hostOf(input.publicUrl) !== hostname)) {
    problems.push(`PLATFORM_PUBLIC_URL must be https://${hostname}[:port] when the edge serves the API (or leave it unset: it is derived)`);
  }
  if (input.routerTlsPort === null) problems.push('PLATFORM_API_HOSTNAME needs PLATFORM_ROUTER_TLS_PORT: the router serves the API over TLS (e.g. 443)');
  if (input.router === 'node') problems.push('PLATFORM_API_HOSTNAME needs the HAProxy router: the Node router (PLATFORM_ROUTER=node) does not serve the platform API');
  if (problems.length > 0) return { value: null, problems };
  return { value: { hostname, certPem: null, keyPem: null, certHostnames: [hostname], automatic: true }, problems };
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
