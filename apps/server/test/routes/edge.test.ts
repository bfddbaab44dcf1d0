import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';
import { certificateFactory } from '../support/certs.ts';

/** The edge's resources through the real API server: maintenance (PATCH /apps), domains, SNI endpoints. */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let user: User;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  api = await testApi(db.store);
  user = await someUser(db.store);
  headers = await api.auth(user.id);
});

afterAll(async () => {
  await api?.close();
  await db?.stop();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('PATCH /apps/{app}', () => {
  it('switches maintenance mode and shows it in the app JSON; bad input is 422 and changes nothing', async () => {
    await db.store.apps.create({ name: 'edge-maint', ownerId: user.id });
    const on = await call('PATCH', '/apps/edge-maint', { maintenance: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ name: 'edge-maint', maintenance: true });
    expect((await call('GET', '/apps/edge-maint')).json()).toMatchObject({ maintenance: true });
    const bad = await call('PATCH', '/apps/edge-maint', { maintenance: 'off' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toEqual({ id: 'invalid_params', message: 'maintenance must be true or false.' });
    expect((await call('PATCH', '/apps/edge-maint', { name: 'Bad Name' })).statusCode).toBe(422);
    expect((await call('GET', '/apps/edge-maint')).json()).toMatchObject({ name: 'edge-maint', maintenance: true });
    expect((await call('PATCH', '/apps/nope-app', { maintenance: true })).statusCode).toBe(404);
  });
});

describe('/apps/{app}/features (redirect-https)', () => {
  it('lists the feature, switches it on and off, tells the edge, and refuses bad input with 4xx changing nothing', async () => {
    const app = await db.store.apps.create({ name: 'edge-redirect', ownerId: user.id });
    const list = await call('GET', '/apps/edge-redirect/features');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([expect.objectContaining({ name: 'redirect-https', enabled: false, state: 'general', description: expect.stringMatching(/HTTPS/) })]);
    const on = await call('PATCH', '/apps/edge-redirect/features/redirect-https', { enabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ name: 'redirect-https', enabled: true });
    expect(api.recorded.edge.settings.get('edge-redirect')).toEqual({ maintenance: false, redirectHttps: true });
    expect((await db.store.apps.get(app.id)).redirectHttps).toBe(true);
    expect((await call('GET', '/apps/edge-redirect/features/redirect-https')).json()).toMatchObject({ enabled: true });
    // Maintenance keeps the redirect switch as it is (both reach the edge together).
    await call('PATCH', '/apps/edge-redirect', { maintenance: true });
    expect(api.recorded.edge.settings.get('edge-redirect')).toEqual({ maintenance: true, redirectHttps: true });

    const bad = await call('PATCH', '/apps/edge-redirect/features/redirect-https', { enabled: 'yes' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toEqual({ id: 'invalid_params', message: 'enabled must be true or false.' });
    const unknown = await call('PATCH', '/apps/edge-redirect/features/http-session-affinity', { enabled: true });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ id: 'not_found', message: expect.stringContaining('redirect-https') });
    expect((await call('GET', '/apps/edge-redirect/features/redirect-https')).json()).toMatchObject({ enabled: true });

    const viewer = await someUser(db.store);
    await db.store.collaborators.add(app.id, viewer.id, ['view']);
    const asViewer = await api.app.inject({ method: 'PATCH', url: '/apps/edge-redirect/features/redirect-https', headers: await api.auth(viewer.id), payload: { enabled: false } });
    expect(asViewer.statusCode).toBe(403);

    const off = await call('PATCH', '/apps/edge-redirect/features/redirect-https', { enabled: false });
    expect(off.json()).toMatchObject({ enabled: false });
    expect(api.recorded.edge.settings.get('edge-redirect')).toEqual({ maintenance: true, redirectHttps: false });
  });
});

describe('/apps/{app}/domains', () => {
  it('lists, adds, shows and removes domains in the Platform API shape; bad ones are 422 with an id', async () => {
    await db.store.apps.create({ name: 'edge-dom', ownerId: user.id });
    const added = await call('POST', '/apps/edge-dom/domains', { hostname: 'www.example.com' });
    expect(added.statusCode).toBe(201);
    const body = added.json();
    expect(body).toEqual({
      id: expect.any(String),
      hostname: 'www.example.com',
      kind: 'custom',
      cname: 'edge-dom.localhost',
      status: 'succeeded',
      acm_status: null,
      acm_status_reason: null,
      sni_endpoint: null,
      app: { id: expect.any(String), name: 'edge-dom' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const list = (await call('GET', '/apps/edge-dom/domains')).json() as Array<{ hostname: string; kind: string }>;
    expect(list.map((d) => [d.hostname, d.kind])).toEqual([['edge-dom.localhost', 'heroku'], ['www.example.com', 'custom']]);
    expect((await call('GET', `/apps/edge-dom/domains/${body.id}`)).json()).toMatchObject({ hostname: 'www.example.com' });
    expect((await call('GET', '/apps/edge-dom/domains/www.example.com')).json()).toMatchObject({ id: body.id });
    const bad = await call('POST', '/apps/edge-dom/domains', { hostname: 'bad_name.example.com' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ id: 'invalid_params', message: expect.stringMatching(/not a valid hostname/) });
    const taken = await call('POST', '/apps/edge-dom/domains', { hostname: 'www.example.com' });
    expect(taken.statusCode).toBe(422);
    expect(taken.json()).toEqual({ id: 'invalid_params', message: 'www.example.com is already a domain of this app.' });
    expect((await call('POST', '/apps/edge-dom/domains', {})).statusCode).toBe(422);
    const missing = await call('GET', '/apps/edge-dom/domains/nope.example.com');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ id: 'not_found', resource: 'domain' });
    expect((await call('DELETE', '/apps/edge-dom/domains/www.example.com')).json()).toMatchObject({ hostname: 'www.example.com' });
    expect((await call('GET', '/apps/edge-dom/domains')).json()).toHaveLength(1);
    // A wildcard by name in the path (the CLI sends `*` as is: encodeURIComponent keeps it).
    expect((await call('POST', '/apps/edge-dom/domains', { hostname: '*.example.com' })).statusCode).toBe(201);
    expect((await call('GET', `/apps/edge-dom/domains/${encodeURIComponent('*.example.com')}`)).json()).toMatchObject({ hostname: '*.example.com' });
    expect((await call('DELETE', '/apps/edge-dom/domains/*.example.com')).statusCode).toBe(200);
    expect((await call('DELETE', '/apps/edge-dom/domains/edge-dom.localhost')).json()).toMatchObject({ id: 'invalid_params', message: expect.stringMatching(/default domain/) });
  });
});

describe('/apps/{app}/sni-endpoints', () => {
  it('uploads, lists, replaces and removes certificates in the Platform API shape; bad ones are 422 with an id', async () => {
    const certs = await certificateFactory();
    try {
      const ca = await certs.ca();
      const leaf = await certs.leaf(ca, ['shop.example.com']);
      await db.store.apps.create({ name: 'edge-sni', ownerId: user.id });
      const domain = (await call('POST', '/apps/edge-sni/domains', { hostname: 'shop.example.com' })).json();
      const created = await call('POST', '/apps/edge-sni/sni-endpoints', { certificate_chain: leaf.cert + ca.cert, private_key: leaf.key });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body).toMatchObject({
        id: expect.any(String),
        name: expect.any(String),
        certificate_chain: expect.stringContaining('BEGIN CERTIFICATE'),
        domains: [domain.id],
        app: { name: 'edge-sni' },
        ssl_cert: { 'ca_signed?': true, 'self_signed?': false, cert_domains: ['shop.example.com'], subject: 'CN=shop.example.com', issuer: 'CN=Platform Test CA' },
        warnings: [],
      });
      expect(JSON.stringify(body)).not.toContain('PRIVATE KEY');
      expect((await call('GET', '/apps/edge-sni/domains/shop.example.com')).json()).toMatchObject({ sni_endpoint: { id: body.id, name: body.name } });
      expect((await call('GET', '/apps/edge-sni/sni-endpoints')).json()).toHaveLength(1);
      expect((await call('GET', `/apps/edge-sni/sni-endpoints/${body.name}`)).json()).toMatchObject({ id: body.id });

      const mismatched = await call('POST', '/apps/edge-sni/sni-endpoints', { certificate_chain: leaf.cert, private_key: ca.key });
      expect(mismatched.statusCode).toBe(422);
      expect(mismatched.json()).toEqual({ id: 'invalid_params', message: 'The private key does not match the certificate (the first one of the chain).' });
      expect((await call('PATCH', `/apps/edge-sni/sni-endpoints/${body.id}`, { certificate_chain: 'x', private_key: leaf.key })).statusCode).toBe(422);
      expect((await call('GET', '/apps/edge-sni/sni-endpoints')).json()).toHaveLength(1);

      const next = await certs.leaf(ca, ['shop.example.com', 'www.example.com']);
      const patched = await call('PATCH', `/apps/edge-sni/sni-endpoints/${body.id}`, { certificate_chain: next.cert, private_key: next.key });
      expect(patched.json()).toMatchObject({ id: body.id, ssl_cert: { cert_domains: ['shop.example.com', 'www.example.com'] } });
      expect((await call('DELETE', `/apps/edge-sni/sni-endpoints/${body.id}`)).statusCode).toBe(200);
      const gone = await call('GET', `/apps/edge-sni/sni-endpoints/${body.id}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({ id: 'not_found', resource: 'sni-endpoint' });
    } finally {
      await certs.cleanup();
    }
  });
});
