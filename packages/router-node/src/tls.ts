import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { hostnameOf, wildcardSuffix } from '@platform/router-kit';
import { ErrorCodes, PlatformError, type RouterCertificate } from '@platform/types';

/** Whether a request came over the router's TLS listener. */
export const isTls = (req: IncomingMessage): boolean => (req.socket as TLSSocket).encrypted === true;

/**
 * The certificates the Node router's TLS listener serves, by hostname: an exact name first, then a wildcard
 * `*.example.com` for one more label (as TLS wildcards match). Built with `createSecureContext`, so a certificate
 * node cannot load is refused before any is replaced.
 */
export function createCertificateIndex() {
  let exact = new Map<string, SecureContext>();
  let wildcard = new Map<string, SecureContext>();

  return {
    /** Replaces the whole set (Router.setCertificates); a bad certificate: PLT_INVALID_PARAMS, the previous set kept. */
    set(certificates: readonly RouterCertificate[]): void {
      const nextExact = new Map<string, SecureContext>();
      const nextWildcard = new Map<string, SecureContext>();
      for (const c of certificates) {
        let context: SecureContext;
        try {
          context = createSecureContext({ cert: c.chainPem, key: c.keyPem });
        } catch (err) {
          throw new PlatformError(ErrorCodes.invalidParams, `certificate ${c.id} could not be loaded: ${(err as Error).message}`);
        }
        for (const name of c.hostnames.map((h) => h.toLowerCase())) {
          const suffix = wildcardSuffix(name);
          if (suffix === null) nextExact.set(name, context);
          else nextWildcard.set(suffix, context);
        }
      }
      exact = nextExact;
      wildcard = nextWildcard;
    },
    /** The context for an SNI name or Host, or undefined when no certificate covers it. */
    find(hostname: string): SecureContext | undefined {
      const name = hostname.toLowerCase();
      const direct = exact.get(name);
      if (direct) return direct;
      const dot = name.indexOf('.');
      return dot > 0 ? wildcard.get(name.slice(dot + 1)) : undefined;
    },
    /** The context served to a client that names no covered host (none: the handshake fails). */
    fallback(): SecureContext | undefined {
      return exact.values().next().value ?? wildcard.values().next().value;
    },
  };
}

export type CertificateIndex = ReturnType<typeof createCertificateIndex>;

/**
 * The per-app HTTPS redirect (AppEdgeSettings.redirectHttps): a plain-HTTP request for a hostname a certificate
 * covers, while the TLS listener is up, gets 301 (GET, HEAD) or 308 (keeps the method and body) to
 * `https://<host>[:tlsPort]<path>`. Returns whether it answered.
 */
export function redirectToHttps(req: IncomingMessage, res: ServerResponse, certificates: CertificateIndex, tlsPort: number | null): boolean {
  if (tlsPort === null || isTls(req)) return false;
  const host = hostnameOf(req.headers.host);
  if (host === null || !certificates.find(host)) return false;
  const status = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
  res.writeHead(status, { location: `https://${host}${tlsPort === 443 ? '' : `:${tlsPort}`}${req.url ?? '/'}`, 'content-length': '0', 'cache-control': 'no-cache, no-store' });
  res.end();
  return true;
}
