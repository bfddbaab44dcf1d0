import type { Router, RouterCertificate } from '@platform/types';
import type { ApiEdgeConfig } from '../api-edge-config.ts';
import type { ServerConfig } from '../config.ts';

/** The certificate id the platform API's certificate has among the edge's (SNI endpoint ids are uuids). */
export const API_CERTIFICATE_ID = 'platform-api';

/**
 * The router as the services and the ACME manager see it, when the edge serves the platform API (config.apiEdge):
 * every `setCertificates` also carries the API's certificate, so replacing the apps' set never drops it. Without
 * the API on the edge, the router itself.
 */
export function withApiCertificate(router: Router, api: ApiEdgeConfig | null): Router {
  if (!api) return router;
  const certificate: RouterCertificate = { id: API_CERTIFICATE_ID, app: '', chainPem: api.certPem, keyPem: api.keyPem, hostnames: api.certHostnames };
  return {
    setRoutes: (app, targets, state) => router.setRoutes(app, targets, state),
    setDomains: (app, hostnames) => router.setDomains(app, hostnames),
    setSettings: (app, settings) => router.setSettings(app, settings),
    setCertificates: (certificates) => router.setCertificates([...certificates.filter((c) => c.id !== API_CERTIFICATE_ID), certificate]),
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
