import type { Router, RouterCertificate } from '@platform/types';
import type { ApiEdgeConfig } from '../api-edge-config.ts';
import type { ServerConfig } from '../config.ts';

/** The certificate id the platform API's certificate has among the edge's (SNI endpoint ids are uuids). */
export const API_CERTIFICATE_ID = 'platform-api';

/**
 * The API hostname's certificate as the edge serves it: the configured one (PLATFORM_API_TLS_CERT), or, when it is
 * automatic, the one the ACME CA issued last (null until the first is issued).
 */
export interface ApiCertificateHolder {
  current(): RouterCertificate | null;
  /** Replaces the certificate (an automatic one issued or renewed). */
  set(certificate: { chainPem: string; keyPem: string }): void;
}

/** A holder for `api`'s certificate, filled with the configured one (an automatic one starts empty). */
export function apiCertificateHolder(api: ApiEdgeConfig): ApiCertificateHolder {
  const of = (chainPem: string, keyPem: string): RouterCertificate => ({ id: API_CERTIFICATE_ID, app: '', chainPem, keyPem, hostnames: api.certHostnames });
  let current = api.certPem !== null && api.keyPem !== null ? of(api.certPem, api.keyPem) : null;
  return {
    current: () => current,
    set: (certificate) => {
      current = of(certificate.chainPem, certificate.keyPem);
    },
  };
}

/**
 * The router as the services and the ACME manager see it, when the edge serves the platform API (config.apiEdge):
 * every `setCertificates` also carries the API's certificate (when there is one yet), so replacing the apps' set
 * never drops it. Without the API on the edge, the router itself.
 */
export function withApiCertificate(router: Router, api: ApiCertificateHolder | null): Router {
  if (!api) return router;
  return {
    setRoutes: (app, targets, state) => router.setRoutes(app, targets, state),
    setDomains: (app, hostnames) => router.setDomains(app, hostnames),
    setSettings: (app, settings) => router.setSettings(app, settings),
    setCertificates: (certificates) => {
      const own = api.current();
      return router.setCertificates([...certificates.filter((c) => c.id !== API_CERTIFICATE_ID), ...(own ? [own] : [])]);
    },
    setChallenge: (token, keyAuthorization) => router.setChallenge(token, keyAuthorization),
    removeApp: (app) => router.removeApp(app),
    close: () => router.close(),
  };
}

/**
 * What `appUrls` needs: with the API on the edge, the public URL is `https://<hostname>[:<tls port>]` unless
 * PLATFORM_PUBLIC_URL says it, and the apps' web URLs follow the edge's TLS port (`coversAppHosts`).
 */
export function urlSettings(config: Readonly<ServerConfig>, tlsPort: number | null) {
  const api = config.apiEdge;
  if (!api || tlsPort === null) return { config, edge: null };
  return { config: { ...config, publicUrl: config.publicUrl ?? apiEdgeUrl(api, tlsPort) }, edge: { tlsPort, coversAppHosts: coversAppHosts(api, config.domain) } };
}

/** `https://<hostname>[:<tls port>]`: the public URL when the edge serves the API and PLATFORM_PUBLIC_URL is unset. */
export function apiEdgeUrl(api: ApiEdgeConfig, tlsPort: number): string {
  return `https://${api.hostname}${tlsPort === 443 ? '' : `:${tlsPort}`}`;
}

/** Whether the API's certificate also covers the apps' default hosts (`*.<domain>`): their web URLs are https then. */
export function coversAppHosts(api: ApiEdgeConfig, domain: string): boolean {
  return api.certHostnames.includes(`*.${domain}`);
}
