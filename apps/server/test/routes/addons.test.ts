import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { createProcessPostgresProvider, type ProcessPostgresProvider } from '@platform/addon-postgres-process';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/** Add-ons through the real API server: Platform API shapes, status codes, `{id, message}` errors. */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let provider: ProcessPostgresProvider;
let root: string;
let user: User;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'addons-routes-'));
  await chmod(root, 0o711);
  provider = createProcessPostgresProvider({ dir: path.join(root, 'addons') });
  api = await testApi(db.store, { addonProviders: [provider] });
  user = await someUser(db.store);
  headers = await api.auth(user.id);
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, h = headers) =>
  api.app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('/addon-services', () => {
  it('lists PostgreSQL, Redis and their plans, by name or Heroku alias', async () => {
    const services = (await call('GET', '/addon-services')).json();
    expect(services).toEqual([
      expect.objectContaining({ name: 'postgresql', human_name: 'PostgreSQL', state: 'ga' }),
      expect.objectContaining({ name: 'redis', human_name: 'Redis', state: 'ga' }),
    ]);
    expect((await call('GET', '/addon-services/heroku-redis')).json()).toMatchObject({ name: 'redis' });
    expect((await call('GET', '/addon-services/heroku-postgresql')).json()).toMatchObject({ name: 'postgresql' });
    expect((await call('GET', '/addon-services/postgresql/plans')).json()).toEqual([expect.objectContaining({ name: 'postgresql:dev', default: true })]);
    const missing = await call('GET', '/addon-services/mysql');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ id: 'not_found' });
  });
});

describe('/apps/{app}/addons', () => {
  it('creates, lists, shows and destroys add-ons in the Platform API shape, credentials never shown', async () => {
    await db.store.apps.create({ name: 'route-addons', ownerId: user.id });
    const created = await call('POST', '/apps/route-addons/addons', { plan: 'heroku-postgresql' });
    expect(created.statusCode).toBe(201);
    const addon = created.json();
    expect(addon).toMatchObject({
      name: expect.stringMatching(/^postgresql-[a-z]+-\d{5}$/),
      addon_service: { name: 'postgresql' },
      plan: { name: 'postgresql:dev' },
      app: { name: 'route-addons' },
      config_vars: ['DATABASE_URL'],
      state: 'provisioned',
    });
    expect(created.body).not.toContain('postgres://');
    expect((await call('GET', '/apps/route-addons/addons')).json()).toEqual([addon]);
    expect((await call('GET', `/addons/${addon.name}`)).json()).toEqual({ ...addon, status: 'available' });
    expect((await call('GET', `/apps/route-addons/addons/${addon.id}`)).json()).toEqual({ ...addon, status: 'available' });
    const attachments = (await call('GET', '/apps/route-addons/addon-attachments')).json();
    expect(attachments).toEqual([expect.objectContaining({ name: 'DATABASE', addon: { id: addon.id, name: addon.name, app: { id: addon.app.id, name: 'route-addons' } } })]);

    const other = await someUser(db.store);
    const otherHeaders = await api.auth(other.id);
    expect((await call('GET', `/addons/${addon.id}`, undefined, otherHeaders)).json()).toMatchObject({ id: 'not_found', resource: 'add-on' });
    expect((await call('DELETE', `/addons/${addon.id}`, undefined, otherHeaders)).statusCode).toBe(404);

    const deleted = await call('DELETE', `/addons/${addon.id}`);
    expect(deleted.statusCode).toBe(200);
    expect((await call('GET', '/apps/route-addons/addons')).json()).toEqual([]);
    expect((await call('GET', `/addons/${addon.id}`)).statusCode).toBe(404);
  });

  it('answers bad input with 4xx {id, message} and creates nothing', async () => {
    await db.store.apps.create({ name: 'route-addons-bad', ownerId: user.id });
    for (const [payload, status] of [
      [{ plan: 'mysql' }, 422],
      [{ plan: 'postgresql:gold' }, 422],
      [{}, 422],
      [{ plan: 'postgresql', attachment: 'DB' }, 422],
      [{ plan: 'postgresql', attachment: { name: 'bad-name' } }, 422],
    ] as const) {
      const r = await call('POST', '/apps/route-addons-bad/addons', payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.json()).toEqual({ id: 'invalid_params', message: expect.any(String) });
    }
    expect((await call('POST', '/apps/no-such-app/addons', { plan: 'postgresql' })).statusCode).toBe(404);
    expect((await call('GET', '/apps/route-addons-bad/addons')).json()).toEqual([]);
  });
});
