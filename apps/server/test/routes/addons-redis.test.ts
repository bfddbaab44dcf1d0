import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { createProcessRedisProvider, type ProcessRedisProvider } from '@platform/addon-redis-process';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/** Redis add-ons through the real API server and the process provider's real redis-servers. */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let provider: ProcessRedisProvider;
let root: string;
let user: User;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'addons-redis-routes-'));
  await chmod(root, 0o711);
  provider = createProcessRedisProvider({ dir: path.join(root, 'addons') });
  api = await testApi(db.store, { addonProviders: [provider] });
  user = await someUser(db.store);
  headers = await api.auth(user.id);
});

afterAll(async () => {
  await api?.close();
  await provider?.stopServers();
  await provider?.close();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function ping(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.ping();
  } finally {
    client.disconnect();
  }
}

describe('Redis add-ons', () => {
  it('attach as REDIS_URL, then a colour name; Heroku names and plans are accepted; destroying removes the server', async () => {
    const app = await db.store.apps.create({ name: 'route-redis', ownerId: user.id });
    const first = await call('POST', '/apps/route-redis/addons', { plan: 'heroku-redis' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ name: expect.stringMatching(/^redis-[a-z]+-\d{5}$/), addon_service: { name: 'redis' }, plan: { name: 'redis:dev' }, config_vars: ['REDIS_URL'] });
    expect(first.body).not.toContain('redis://');
    const second = (await call('POST', '/apps/route-redis/addons', { plan: 'redis:dev' })).json();
    expect(second.config_vars).toEqual([expect.stringMatching(/^HEROKU_REDIS_[A-Z]+_URL$/)]);

    const config = await db.store.config.get(app!.id);
    expect(await ping(config.REDIS_URL!)).toBe('PONG');
    expect(await ping(config[second.config_vars[0]]!)).toBe('PONG');
    expect((await call('GET', `/addons/${first.json().id}`)).json()).toMatchObject({ status: 'available' });

    for (const addon of [first.json(), second]) expect((await call('DELETE', `/addons/${addon.id}`)).statusCode).toBe(200);
    expect(await readdir(path.join(root, 'addons', 'redis'))).toEqual([]);
    await expect(ping(config.REDIS_URL!)).rejects.toThrow();
    expect(Object.keys(await db.store.config.get(app!.id))).toEqual([]);
  });

  it('answers an unknown plan with 422 and creates nothing', async () => {
    await db.store.apps.create({ name: 'route-redis-bad', ownerId: user.id });
    const r = await call('POST', '/apps/route-redis-bad/addons', { plan: 'heroku-redis:premium-9' });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toEqual({ id: 'invalid_params', message: expect.stringContaining('redis:dev') });
    expect((await call('GET', '/apps/route-redis-bad/addons')).json()).toEqual([]);
  });
});
