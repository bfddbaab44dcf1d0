/**
 * The add-on provider contract for PostgreSQL: every `AddonProvider` of the `postgresql` service (a database on a
 * server the platform runs, a container per add-on, an external managed server later) passes this suite. It sees
 * a provider only through its interface and the URLs it hands out, connecting with real `pg` clients.
 *
 *   describePostgresProviderContract('process', async () => ({ provider, cleanup, sharedDatabases: ['postgres'] }));
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AddonProvider, AddonRequest } from '@platform/types';

export interface PostgresProviderHarness {
  provider: AddonProvider;
  /** Databases on the same server that no add-on's credentials may open (e.g. `postgres`, `template1`). */
  sharedDatabases: readonly string[];
  cleanup(): Promise<void>;
  /**
   * How this test, on the host, reaches a URL the provider handed out (default: as it is). A docker add-on's URL
   * names its container, which only the app's dynos resolve: the harness swaps in the container's address.
   * Rejecting (the add-on is gone) counts as a failed connection.
   */
  reach?(url: string): Promise<string>;
}

/** Connects with a URL, runs `fn`, always ends the client. */
async function connectWith<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same URL with another database (the credentials stay). */
function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function describePostgresProviderContract(name: string, makeHarness: () => Promise<PostgresProviderHarness>): void {
  describe(`PostgreSQL add-on provider contract: ${name}`, () => {
    let h: PostgresProviderHarness;
    // Two apps: a and b belong to different ones (providers that place an add-on beside its app see that).
    const appA = randomUUID();
    const a: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: appA };
    const b: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };
    const reach = (url: string) => (h.reach ? h.reach(url) : Promise.resolve(url));
    /** Connects through the harness's `reach`. */
    const withClient = async <T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> => connectWith(await reach(url), fn);
    let urlA = '';
    let urlB = '';

    beforeAll(async () => {
      h = await makeHarness();
      urlA = (await h.provider.provision(a)).url;
      urlB = (await h.provider.provision(b)).url;
    });
    afterAll(async () => {
      await h?.provider.deprovision(a).catch(() => undefined);
      await h?.provider.deprovision(b).catch(() => undefined);
      await h?.cleanup();
    });

    it('says which service it provides', () => {
      expect(h.provider.service).toBe('postgresql');
      expect(h.provider.name).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    it('hands out a postgres:// URL with which an app reads and writes its own database', async () => {
      expect(urlA).toMatch(/^postgres:\/\/[^:]+:[^@]+@[^/]+\/[a-z0-9_]+$/);
      expect(urlA).not.toBe(urlB);
      await withClient(urlA, async (c) => {
        await c.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
        await c.query(`INSERT INTO notes (body) VALUES ('from a')`);
        expect((await c.query('SELECT body FROM notes')).rows).toEqual([{ body: 'from a' }]);
      });
      expect(await h.provider.status(a)).toBe('available');
    });

    it("keeps add-ons apart: one add-on's credentials open neither another's database nor the server's own", async () => {
      const dbB = new URL(urlB).pathname.slice(1);
      for (const target of [dbB, ...h.sharedDatabases]) {
        await expect(withClient(onDatabase(urlA, target), (c) => c.query('SELECT 1')), `A → ${target}`).rejects.toThrow(
          /permission denied|not permitted|does not exist|authentication failed/i,
        );
      }
      // B's own user and password cannot be combined with A's database either.
      await expect(withClient(onDatabase(urlB, new URL(urlA).pathname.slice(1)), (c) => c.query('SELECT 1'))).rejects.toThrow();
      // And a's password is not b's.
      const mixed = new URL(urlB);
      mixed.password = new URL(urlA).password;
      await expect(withClient(mixed.toString(), (c) => c.query('SELECT 1'))).rejects.toThrow(/authentication failed|password/i);
    });

    it('rotates credentials: the old URL stops working, the data stays', async () => {
      const { url: rotated } = await h.provider.rotateCredentials(a);
      expect(rotated).not.toBe(urlA);
      await expect(withClient(urlA, (c) => c.query('SELECT 1'))).rejects.toThrow(/authentication failed|password/i);
      await withClient(rotated, async (c) => {
        expect((await c.query('SELECT body FROM notes')).rows).toEqual([{ body: 'from a' }]);
      });
      urlA = rotated;
    });

    it('provisions idempotently by id and deprovisions completely (twice is fine)', async () => {
      const c: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: appA };
      const first = await h.provider.provision(c);
      const again = await h.provider.provision(c);
      await withClient(again.url, (cl) => cl.query('SELECT 1'));
      await h.provider.deprovision(c);
      expect(await h.provider.status(c)).toBe('missing');
      await expect(withClient(first.url, (cl) => cl.query('SELECT 1'))).rejects.toThrow();
      await expect(withClient(again.url, (cl) => cl.query('SELECT 1'))).rejects.toThrow();
      await h.provider.deprovision(c);
    });

    it('ends open sessions when deprovisioning', async () => {
      const d: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: appA };
      const { url } = await h.provider.provision(d);
      const client = new pg.Client({ connectionString: await reach(url) });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await h.provider.deprovision(d);
        await expect(client.query('SELECT 1')).rejects.toThrow();
      } finally {
        await client.end().catch(() => undefined);
      }
      expect(await h.provider.status(d)).toBe('missing');
    });
  });
}
