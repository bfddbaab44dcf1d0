import type { Store } from '@platform/store-postgres';
import type { ApiEdgeConfig } from '../api-edge-config.ts';
import type { PlatformHostname } from '../acme/manager.ts';
import { apiCertificateHolder, type ApiCertificateHolder } from './api-edge.ts';

/** The API hostname's certificate at start: what the edge serves, and (automatic) what the ACME manager keeps issued. */
export interface ApiCertificate {
  holder: ApiCertificateHolder;
  /** For the ACME manager: the API hostname when its certificate is automatic; none for a configured one. */
  platformHostnames: PlatformHostname[];
  /**
   * Runs `serve(hostname)` (the edge starts answering the API hostname) now when a certificate is there, else once
   * the first automatic one is issued: TLS on the hostname never presents another certificate.
   */
  serveWhenReady(serve: (hostname: string) => Promise<void>): Promise<void>;
}

/**
 * Opens the API hostname's certificate (config.apiEdge): the configured one, or, when automatic, the one issued
 * before and kept in the store (`platform_certificates`, key sealed), served at once even if due for renewal (the
 * manager renews it within 30 days of expiry). Null when the edge does not serve the API.
 */
export async function openApiCertificate(api: ApiEdgeConfig | null, store: Pick<Store, 'platformCertificates'>): Promise<ApiCertificate | null> {
  if (!api) return null;
  const holder = apiCertificateHolder(api);
  if (!api.automatic) return { holder, platformHostnames: [], serveWhenReady: (serve) => serve(api.hostname) };
  const kept = await store.platformCertificates.get(api.hostname);
  let expiresAt = kept?.expiresAt ?? null;
  if (kept) holder.set(kept);
  let pending: ((hostname: string) => Promise<void>) | null = null;
  const automatic: PlatformHostname = {
    hostname: api.hostname,
    expiresAt: () => expiresAt,
    async save(cert) {
      await store.platformCertificates.save({ hostname: api.hostname, ...cert });
      holder.set(cert);
      expiresAt = cert.expiresAt;
    },
    async afterIssued() {
      const serve = pending;
      pending = null;
      await serve?.(api.hostname);
    },
  };
  return {
    holder,
    platformHostnames: [automatic],
    serveWhenReady: async (serve) => {
      if (holder.current()) await serve(api.hostname);
      else pending = serve;
    },
  };
}
