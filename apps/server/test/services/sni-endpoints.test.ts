import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { Store } from '@platform/store-postgres';
import { createApp, destroyApp } from '../../src/services/apps.ts';
import { addDomain, listDomains } from '../../src/services/domains.ts';
import { createSniEndpoint, getSniEndpoint, listSniEndpoints, removeSniEndpoint, updateSniEndpoint } from '../../src/services/sni-endpoints.ts';
import { serviceDeps, someUser } from '../support/services.ts';
import { certificateFactory, type Pem } from '../support/certs.ts';

let db: TestDatabase;
let store: Store;
let env: Awaited<ReturnType<typeof serviceDeps>>;
let certs: Awaited<ReturnType<typeof certificateFactory>>;
let ca: Pem & { name: string };

beforeAll(async () => {
  db = await startTestDatabase();
  store = db.store;
  env = await serviceDeps(store);
  certs = await certificateFactory();
  ca = await certs.ca();
});

afterAll(async () => {
  await certs?.cleanup();
  await env?.cleanup();
  await db?.stop();
});

describe('SNI endpoints', () => {
  it('stores a checked certificate with its key sealed, shows the domains it covers, and hands it to the edge', async () => {
    const user = await someUser(store);
    await createApp(env.deps, user, { name: 'sni-app' });
    await addDomain(env.deps, user, 'sni-app', { hostname: 'www.example.com' });
    await addDomain(env.deps, user, 'sni-app', { hostname: 'api.other.test' });
    const leaf = await certs.leaf(ca, ['www.example.com', 'example.com']);
    const view = await createSniEndpoint(env.deps, user, 'sni-app', { certificate_chain: leaf.cert + ca.cert, private_key: leaf.key });
    expect(view.endpoint).toMatchObject({ domains: ['www.example.com', 'example.com'], selfSigned: false });
    expect(view.endpoint.name).toMatch(/^[a-z]+-[a-z]+-[0-9]+$/);
    const www = (await listDomains(env.deps, user, 'sni-app')).find((d) => d.hostname === 'www.example.com')!;
    expect(view.domainIds).toEqual([www.id]);
    expect(www.sniEndpoint).toEqual({ id: view.endpoint.id, name: view.endpoint.name });
    expect((await listDomains(env.deps, user, 'sni-app')).find((d) => d.hostname === 'api.other.test')!.sniEndpoint).toBeNull();

    // At rest: the key is sealed (no PEM text in the row), the certificate is public.
    const row = (await db.pool.query('SELECT private_key_enc::text AS k, certificate_chain FROM sni_endpoints WHERE id = $1', [view.endpoint.id])).rows[0];
    expect(row.k).not.toContain('PRIVATE KEY');
    expect(Buffer.from(String(row.k).replace(/^\\x/, ''), 'hex').toString('latin1')).not.toContain('PRIVATE KEY');
    expect(row.certificate_chain).toContain('BEGIN CERTIFICATE');

    expect(env.recorded.edge.certificates).toEqual([
      expect.objectContaining({ id: view.endpoint.id, app: 'sni-app', hostnames: ['www.example.com', 'example.com'], keyPem: expect.stringContaining('PRIVATE KEY') }),
    ]);
    expect((await getSniEndpoint(env.deps, user, 'sni-app', view.endpoint.name)).endpoint.id).toBe(view.endpoint.id);
  });

  it('refuses bad certificates with an id, storing nothing', async () => {
    const user = await someUser(store);
    await createApp(env.deps, user, { name: 'sni-bad' });
    const leaf = await certs.leaf(ca, ['bad.example.com']);
    const other = await certs.leaf(ca, ['other.example.com']);
    await expect(createSniEndpoint(env.deps, user, 'sni-bad', { certificate_chain: leaf.cert, private_key: other.key })).rejects.toMatchObject({ code: 'PLT_CERTIFICATE_INVALID' });
    await expect(createSniEndpoint(env.deps, user, 'sni-bad', { certificate_chain: 'junk', private_key: leaf.key })).rejects.toMatchObject({ code: 'PLT_CERTIFICATE_INVALID' });
    await expect(createSniEndpoint(env.deps, user, 'sni-bad', { certificate_chain: ca.cert + leaf.cert, private_key: leaf.key })).rejects.toMatchObject({ code: 'PLT_CERTIFICATE_INVALID' });
    expect(await listSniEndpoints(env.deps, user, 'sni-bad')).toEqual([]);
  });

  it('replaces and removes an endpoint; destroying the app takes its certificates off the edge', async () => {
    const user = await someUser(store);
    await createApp(env.deps, user, { name: 'sni-life' });
    const first = await certs.leaf(ca, ['life.example.com']);
    const { endpoint } = await createSniEndpoint(env.deps, user, 'sni-life', { certificate_chain: first.cert, private_key: first.key });
    const soon = await certs.leaf(ca, ['life.example.com', 'www.life.example.com'], 7);
    const updated = await updateSniEndpoint(env.deps, user, 'sni-life', endpoint.id, { certificate_chain: soon.cert, private_key: soon.key });
    expect(updated.endpoint).toMatchObject({ id: endpoint.id, name: endpoint.name, domains: ['life.example.com', 'www.life.example.com'] });
    expect(updated.warnings).toEqual([expect.stringMatching(/expires in [67] days/)]);
    await expect(updateSniEndpoint(env.deps, user, 'sni-life', endpoint.id, { certificate_chain: soon.cert, private_key: first.key })).rejects.toMatchObject({ code: 'PLT_CERTIFICATE_INVALID' });
    expect((await getSniEndpoint(env.deps, user, 'sni-life', endpoint.id)).endpoint.domains).toHaveLength(2);
    await removeSniEndpoint(env.deps, user, 'sni-life', endpoint.name);
    await expect(getSniEndpoint(env.deps, user, 'sni-life', endpoint.name)).rejects.toMatchObject({ code: 'PLT_SNI_ENDPOINT_NOT_FOUND' });
    expect(env.recorded.edge.certificates.some((c) => c.app === 'sni-life')).toBe(false);

    const again = await certs.leaf(ca, ['life.example.com']);
    await createSniEndpoint(env.deps, user, 'sni-life', { certificate_chain: again.cert, private_key: again.key });
    expect(env.recorded.edge.certificates.some((c) => c.app === 'sni-life')).toBe(true);
    await destroyApp(env.deps, user, 'sni-life');
    expect(env.recorded.edge.certificates.some((c) => c.app === 'sni-life')).toBe(false);
  });
});
