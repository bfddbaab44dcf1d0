import type { Router } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { syncCertificates } from '../services/sni-endpoints.ts';
import { edgeSettingsOf } from '../services/features.ts';

/**
 * Tells the edge (the router driver) what the store holds besides routes (platform.ts publishes those, adopted
 * dynos first): every app's maintenance and HTTPS-redirect switches and custom domains, and the certificates. Called once at start,
 * so state changed through the API survives a platformd restart, and an adopted proxy drops what changed while
 * no platformd ran.
 */
export async function applyEdgeState(
  store: Pick<Store, 'apps' | 'domains' | 'sniEndpoints'>,
  edge: Pick<Router, 'setSettings' | 'setDomains' | 'setCertificates'>,
): Promise<void> {
  const domains = new Map<string, string[]>();
  for (const d of await store.domains.all()) domains.set(d.appId, [...(domains.get(d.appId) ?? []), d.hostname]);
  for (const app of await store.apps.list()) {
    await edge.setSettings(app.name, edgeSettingsOf(app));
    await edge.setDomains(app.name, domains.get(app.id) ?? []);
  }
  await syncCertificates({ store, edge });
}
