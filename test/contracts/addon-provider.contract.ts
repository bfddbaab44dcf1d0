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
import { Redis } from 'ioredis';
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

/** What a Redis provider's contract needs: the provider, and how to end the test. */
export interface RedisProviderHarness {
  provider: AddonProvider;
  /**
   * The same URL as this test host can reach it, when the URL's host is one only dynos resolve (a container name
   * on an app's Docker network): e.g. the container's address instead. Default: the URL as is.
   */
  reachable?(url: string): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * Connects with a `redis://` URL (one try, no offline queue), runs `fn`, always disconnects. A refused AUTH
 * rejects with the server's own error (WRONGPASS, NOAUTH), not ioredis's "Connection is closed".
 */
async function withRedis<T>(url: string, fn: (client: Redis) => Promise<T>, reach?: (url: string) => Promise<string>): Promise<T> {
  const client = openRedis(reach ? await reach(url) : url);
  let seen: Error | null = null;
  client.on('error', (err: Error) => (seen ??= err));
  try {
    await client.connect().catch((err: unknown) => {
      throw seen ?? err;
    });
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

function openRedis(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 5000, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

/** The same server with other credentials: `user` (empty: a password-only AUTH) and `password`. */
function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/**
 * The add-on provider contract for Redis: every `AddonProvider` of the `redis` service (a supervised server per
 * add-on on the process runtime, a container per add-on on docker) passes this suite, seen only through its
 * interface and the URLs it hands out, with real ioredis connections.
 */
export function describeRedisProviderContract(name: string, makeHarness: () => Promise<RedisProviderHarness>): void {
  describe(`Redis add-on provider contract: ${name}`, () => {
    let h: RedisProviderHarness;
    const a: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };
    const b: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };
    let urlA = '';
    let urlB = '';
    const connect = <T>(url: string, fn: (client: Redis) => Promise<T>) => withRedis(url, fn, h.reachable?.bind(h));
    const openReached = async (url: string) => openRedis(h.reachable ? await h.reachable(url) : url);

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
      expect(h.provider.service).toBe('redis');
      expect(h.provider.name).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    it('hands out a redis:// URL with which an app reads and writes its own data', async () => {
      expect(urlA).toMatch(/^redis:\/\/addon_[0-9a-f]{32}:[^@]+@[^/@]+:\d+$/);
      expect(urlA).not.toBe(urlB);
      await connect(urlA, async (c) => {
        await c.set('greeting', 'from a');
        expect(await c.incr('hits')).toBe(1);
        expect(await c.get('greeting')).toBe('from a');
      });
      // A client that sends only a password (Heroku's `redis://:password@host:port`) gets the same data.
      const passwordOnly = withCredentials(urlA, '', new URL(urlA).password);
      expect(await connect(passwordOnly, (c) => c.get('greeting'))).toBe('from a');
      expect(await h.provider.status(a)).toBe('available');
    });

    it("refuses the server's administration to the app: CONFIG, DEBUG, SHUTDOWN, MODULE, ACL, MONITOR", async () => {
      await connect(urlA, async (c) => {
        for (const command of [['CONFIG', 'GET', 'dir'], ['CONFIG', 'SET', 'dir', '/tmp'], ['DEBUG', 'SLEEP', '0'], ['SHUTDOWN', 'NOSAVE'], ['MODULE', 'LIST'], ['ACL', 'SETUSER', 'x', 'on'], ['MONITOR'], ['SAVE']]) {
          await expect(c.call(command[0]!, ...command.slice(1)), command.join(' ')).rejects.toThrow(/NOPERM|no permissions|unknown command|not allowed/i);
        }
        expect(await c.ping()).toBe('PONG'); // still up
      });
    });

    it("keeps add-ons apart: no password, a wrong one or another add-on's cannot read a server", async () => {
      const { username: userA, password: passA } = new URL(urlA);
      const { username: userB } = new URL(urlB);
      await expect(connect(withCredentials(urlB, '', ''), (c) => c.get('greeting'))).rejects.toThrow(/NOAUTH|WRONGPASS|auth/i);
      for (const [user, password] of [[userA, passA], ['', passA], [userB, passA], ['default', passA], ['platform', passA]] as const) {
        await expect(connect(withCredentials(urlB, user, password), (c) => c.get('greeting')), `${user || '(none)'} on b`).rejects.toThrow(/WRONGPASS|invalid|auth/i);
      }
      expect(await connect(urlB, (c) => c.get('greeting'))).toBeNull();
    });

    it('rotates credentials: the old password stops working, open connections are closed, the data stays', async () => {
      const open = await openReached(urlA);
      await open.connect();
      try {
        expect(await open.get('greeting')).toBe('from a');
        const { url: rotated } = await h.provider.rotateCredentials(a);
        expect(rotated).not.toBe(urlA);
        await expect(open.get('greeting')).rejects.toThrow();
        await expect(connect(urlA, (c) => c.get('greeting'))).rejects.toThrow(/WRONGPASS|invalid|auth/i);
        expect(await connect(rotated, (c) => c.get('greeting'))).toBe('from a');
        urlA = rotated;
      } finally {
        open.disconnect();
      }
    });

    it('provisions idempotently by id and deprovisions completely (twice is fine)', async () => {
      const c: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };
      const first = await h.provider.provision(c);
      const again = await h.provider.provision(c);
      expect(await connect(again.url, (cl) => cl.ping())).toBe('PONG');
      await expect(connect(first.url, (cl) => cl.ping())).rejects.toThrow(/WRONGPASS|invalid|auth/i);
      await h.provider.deprovision(c);
      expect(await h.provider.status(c)).toBe('missing');
      await expect(connect(again.url, (cl) => cl.ping())).rejects.toThrow();
      await h.provider.deprovision(c);
    });

    it('ends open connections when deprovisioning', async () => {
      const d: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };
      const { url } = await h.provider.provision(d);
      const client = await openReached(url);
      await client.connect();
      try {
        await client.set('k', 'v');
        await h.provider.deprovision(d);
        await expect(client.get('k')).rejects.toThrow();
      } finally {
        client.disconnect();
      }
      expect(await h.provider.status(d)).toBe('missing');
    });
  });
}
