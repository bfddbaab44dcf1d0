import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { AppEdgeSettings, RouterCertificate } from '@platform/types';
import { applyEdgeState } from '../src/start/edge-state.ts';
import { parseCertificateBundle } from '../src/services/certificates.ts';
import { someUser } from './support/services.ts';
import { certificateFactory } from './support/certs.ts';

let db: TestDatabase;
beforeAll(async () => (db = await startTestDatabase()));
afterAll(() => db?.stop());

describe('applyEdgeState (platformd start)', () => {
  it("tells the edge every app's routes, maintenance and redirect switches, domains and every certificate, from the store", async () => {
    const certs = await certificateFactory();
    try {
      const user = await someUser(db.store);
      const shop = await db.store.apps.create({ name: 'state-shop', ownerId: user.id });
      const idle = await db.store.apps.create({ name: 'state-idle', ownerId: user.id });
      await db.store.apps.setMaintenance(shop.id, true);
      await db.store.apps.setRedirectHttps(idle.id, true);
      await db.store.domains.add(shop.id, 'www.example.com');
      await db.store.domains.add(shop.id, '*.example.com');
      const ca = await certs.ca();
      const leaf = await certs.leaf(ca, ['www.example.com']);
      const endpoint = await db.store.sniEndpoints.create(shop.id, 'state-cert-1', parseCertificateBundle(leaf.cert, leaf.key));

      const settings = new Map<string, AppEdgeSettings>();
      const domains = new Map<string, readonly string[]>();
      let certificates: readonly RouterCertificate[] = [];
      await applyEdgeState(db.store, {
        setSettings: async (app, s) => void settings.set(app, s),
        setDomains: async (app, hostnames) => void domains.set(app, hostnames),
        setCertificates: async (c) => void (certificates = c),
      });
      expect(settings.get('state-shop')).toEqual({ maintenance: true, redirectHttps: false });
      expect(settings.get('state-idle')).toEqual({ maintenance: false, redirectHttps: true });
      expect(domains.get('state-shop')).toEqual(['www.example.com', '*.example.com']);
      expect(domains.get('state-idle')).toEqual([]);
      expect(certificates).toEqual([
        { id: endpoint.id, app: 'state-shop', chainPem: expect.stringContaining('BEGIN CERTIFICATE'), keyPem: expect.stringContaining('PRIVATE KEY'), hostnames: ['www.example.com'] },
      ]);
    } finally {
      await certs.cleanup();
    }
  });
});
