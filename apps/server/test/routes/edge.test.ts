import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

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
    expect((await call('PATCH', '/apps/edge-maint', { name: 'edge-other' })).statusCode).toBe(422);
    expect((await call('GET', '/apps/edge-maint')).json()).toMatchObject({ name: 'edge-maint', maintenance: true });
    expect((await call('PATCH', '/apps/nope-app', { maintenance: true })).statusCode).toBe(404);
  });
});
