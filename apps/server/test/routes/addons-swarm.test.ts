import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { addonsUnavailable } from '../../src/start/addons.ts';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/**
 * Add-ons on the swarm runtime, which runs no add-on provider yet (issue 19): `addons:create` is refused with a
 * 422 naming the runtime and what to do instead, and changes nothing (no add-on, no config var, no release).
 * platformd wires the same reason (`addonsUnavailable('swarm')`) into its API context.
 */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let user: User;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  api = await testApi(db.store, { addonProviders: [], addonsUnavailable: addonsUnavailable('swarm') });
  user = await someUser(db.store);
  headers = await api.auth(user.id);
});

afterAll(async () => {
  await api?.close();
  await db?.stop();
});

describe('add-ons on the swarm runtime', () => {
  it('refuses a new PostgreSQL or Redis add-on with a 422 naming the runtime, changing nothing', async () => {
    const app = await db.store.apps.create({ name: 'swarm-addons', ownerId: user.id });
    for (const plan of ['heroku-postgresql', 'postgresql:dev', 'heroku-redis']) {
      const res = await api.app.inject({ method: 'POST', url: '/apps/swarm-addons/addons', headers, payload: { plan } });
      expect(res.statusCode, plan).toBe(422);
      expect(res.json()).toEqual({
        id: 'invalid_params',
        message: expect.stringMatching(/^(postgresql|redis) add-ons are not available on this platform: the swarm runtime \(PLATFORM_RUNTIME=swarm\) runs no add-on servers yet\. .*config:set DATABASE_URL/),
      });
    }
    expect(await db.store.addons.all()).toEqual([]);
    expect(await db.store.config.get(app.id)).toEqual({});
    expect(await db.store.releases.list(app.id)).toEqual([]);
  });

  it('names no runtime where providers run', () => {
    expect(addonsUnavailable('docker')).toBeUndefined();
    expect(addonsUnavailable('process')).toBeUndefined();
  });
});
