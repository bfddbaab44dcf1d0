import { X509Certificate } from 'node:crypto';
import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { Store } from '@platform/store-postgres';
import { createNodeRouter, type NodeRouter } from '@platform/router-node';
import type { RouterCertificate } from '@platform/types';
import { readFile } from 'node:fs/promises';
import { createAcmeIssuer } from '../src/acme/issuer.ts';
import { createAcmManager, type AcmManager } from '../src/acme/manager.ts';
import { createApp } from '../src/services/apps.ts';
import { addDomain, getDomain } from '../src/services/domains.ts';
import { disableAcm, enableAcm, refreshAcm } from '../src/services/acm.ts';
import { serviceDeps, someUser } from './support/services.ts';
import { startPebble, type Pebble } from './support/pebble.ts';

/** Automatic certificates against Debian's real pebble, validating http-01 through the real Node router. */
let db: TestDatabase;
let store: Store;
let env: Awaited<ReturnType<typeof serviceDeps>>;
let router: NodeRouter;
let routerPort: number;
let pebble: Pebble;
let manager: AcmManager;
let served: readonly RouterCertificate[] = [];
let upstream: Server;
let issuer: ReturnType<typeof createAcmeIssuer>;
const silent = { info: () => undefined, warn: () => undefined };

function get(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: routerPort, path: '/', headers: { host }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  db = await startTestDatabase();
  store = db.store;
  env = await serviceDeps(store);
  router = createNodeRouter({ domain: 'apps.test' });
  routerPort = (await router.listen(0, '127.0.0.1')).port;
  pebble = await startPebble({ httpPort: routerPort });
  issuer = createAcmeIssuer({ directoryUrl: pebble.directoryUrl, email: 'ops@example.com', caPem: await readFile(pebble.caFile, 'utf8'), accounts: store.acmeAccounts, edge: router });
  const edge = { ...env.deps.edge, setDomains: router.setDomains, setCertificates: async (c: readonly RouterCertificate[]) => void (served = c) };
  manager = createAcmManager({ store, edge, issuer, logger: silent, intervalMs: 3_600_000 });
  env.deps.edge = edge;
  env.deps.acm = manager;
  upstream = (await import('node:http')).createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
}, 120_000);

afterAll(async () => {
  await manager?.close();
  await router?.close();
  await new Promise((resolve) => upstream?.close(resolve));
  await pebble?.stop();
  await env?.cleanup();
  await db?.stop();
});

describe('automatic certificates (ACME http-01, pebble)', () => {
  it('issues a certificate for a domain added with ACM on, keeps its key and the account key sealed, and serves it', async () => {
    const user = await someUser(store);
    await createApp(env.deps, user, { name: 'acme-ok' });
    expect((await enableAcm(env.deps, user, 'acme-ok')).acm).toBe(true);
    const added = await addDomain(env.deps, user, 'acme-ok', { hostname: 'www.acme-ok.test' });
    expect(added.acmStatus).toBe('pending');
    await manager.runOnce();
    const domain = await getDomain(env.deps, user, 'acme-ok', 'www.acme-ok.test');
    expect(domain, pebble.output.join('')).toMatchObject({ acmStatus: 'cert issued', acmStatusReason: null });
    const stored = (await store.domains.byHostname('www.acme-ok.test'))!.acmCertificate!;
    const leaf = new X509Certificate(stored.chainPem);
    expect(leaf.checkHost('www.acme-ok.test')).toBe('www.acme-ok.test');
    expect(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(stored.keyPem))).toBe(true);
    expect(leaf.issuer).toMatch(/Pebble/);
    expect(served).toEqual([expect.objectContaining({ app: 'acme-ok', hostnames: ['www.acme-ok.test'] })]);
    const rows = await db.pool.query("SELECT encode(acm_private_key_enc, 'escape') AS k FROM domains UNION ALL SELECT encode(key_enc, 'escape') FROM acme_accounts");
    expect(rows.rows.length).toBe(2);
    for (const r of rows.rows) expect(String(r.k)).not.toContain('PRIVATE KEY');

    // Renewal: 10 days before expiry the next check issues a new certificate with the same account.
    const later = createAcmManager({ store, edge: env.deps.edge, issuer, logger: silent, intervalMs: 3_600_000, now: () => stored.expiresAt.getTime() - 10 * 86_400_000 });
    await later.runOnce();
    await later.close();
    const renewed = (await store.domains.byHostname('www.acme-ok.test'))!.acmCertificate!;
    expect(renewed.chainPem).not.toBe(stored.chainPem);
    expect((await getDomain(env.deps, user, 'acme-ok', 'www.acme-ok.test')).acmStatus).toBe('cert issued');
    expect((await db.pool.query('SELECT count(*)::int AS n FROM acme_accounts')).rows[0].n).toBe(1);

    await disableAcm(env.deps, user, 'acme-ok');
    expect((await getDomain(env.deps, user, 'acme-ok', 'www.acme-ok.test')).acmStatus).toBeNull();
    expect(served).toEqual([]);
  });

  it('marks a domain the CA cannot validate, and a wildcard, failing with the reason, and keeps them served over HTTP', async () => {
    const user = await someUser(store);
    await createApp(env.deps, user, { name: 'acme-bad' });
    router.setRoutes('acme-bad', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: (upstream.address() as { port: number }).port } }]);
    await enableAcm(env.deps, user, 'acme-bad');
    await pebble.setAddress('broken.acme-bad.test', '127.0.0.2'); // nothing answers http-01 there
    await addDomain(env.deps, user, 'acme-bad', { hostname: 'broken.acme-bad.test' });
    await addDomain(env.deps, user, 'acme-bad', { hostname: '*.acme-bad.test' });
    await manager.runOnce();
    const broken = await getDomain(env.deps, user, 'acme-bad', 'broken.acme-bad.test');
    expect(broken.acmStatus).toBe('failing');
    expect(broken.acmStatusReason).toMatch(/^The ACME server refused broken\.acme-bad\.test: .*(127\.0\.0\.2|connection refused|Connection refused)/);
    const wildcard = await getDomain(env.deps, user, 'acme-bad', '*.acme-bad.test');
    expect(wildcard).toMatchObject({ acmStatus: 'failing', acmStatusReason: expect.stringMatching(/DNS-01/) });
    expect(await get('broken.acme-bad.test')).toBe(200);
    expect(served.some((c) => c.app === 'acme-bad')).toBe(false);

    // The DNS is fixed: certs:auto:refresh retries at once.
    await pebble.setAddress('broken.acme-bad.test', '127.0.0.1');
    await refreshAcm(env.deps, user, 'acme-bad');
    await manager.runOnce();
    expect(await getDomain(env.deps, user, 'acme-bad', 'broken.acme-bad.test')).toMatchObject({ acmStatus: 'cert issued', acmStatusReason: null });
    expect(served.some((c) => c.app === 'acme-bad')).toBe(true);
  });
});

describe('automatic certificates of the platform\'s own hostnames (pebble)', () => {
  it('issues one with none, renews one within 30 days of expiry, leaves a fresh one alone, and keeps a failing one in use', async () => {
    const warnings: string[] = [];
    const saved: Record<string, Date> = {};
    const served: string[] = [];
    const own = (hostname: string, expiresAt: Date | null) => ({
      hostname,
      expiresAt: () => expiresAt,
      async save(cert: { chainPem: string; expiresAt: Date }) {
        expect(new X509Certificate(cert.chainPem).checkHost(hostname)).toBe(hostname);
        saved[hostname] = cert.expiresAt;
      },
      async afterIssued() {
        served.push(hostname);
      },
    });
    const day = 86_400_000;
    await pebble.setAddress('down.platform.test', '127.0.0.2');
    const platformManager = createAcmManager({
      store,
      edge: { setCertificates: async () => undefined },
      issuer,
      logger: { info: () => undefined, warn: (fields: object) => void warnings.push(JSON.stringify(fields)) },
      intervalMs: 3_600_000,
      platformHostnames: [
        own('new.platform.test', null),
        own('due.platform.test', new Date(Date.now() + 10 * day)),
        own('fresh.platform.test', new Date(Date.now() + 60 * day)),
        own('down.platform.test', new Date(Date.now() + 5 * day)),
      ],
    });
    await platformManager.runOnce();
    await platformManager.close();
    expect(Object.keys(saved).sort(), pebble.output.join('')).toEqual(['due.platform.test', 'new.platform.test']);
    expect(served.sort()).toEqual(['due.platform.test', 'new.platform.test']);
    expect(saved['new.platform.test']!.getTime()).toBeGreaterThan(Date.now() + 30 * day);
    // (The apps' failing domains of the tests above are retried too: only the platform hostnames' warnings count.)
    const ownWarnings = warnings.filter((w) => w.includes('platform.test'));
    expect(ownWarnings).toHaveLength(1);
    expect(ownWarnings[0]).toContain('down.platform.test');
  });
});
