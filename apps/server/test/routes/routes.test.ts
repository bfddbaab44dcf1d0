import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { deployedApp, someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/** Routes parse, call a service, serialise: these check the HTTP side (shapes, statuses, error ids). */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let user: User;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  api = await testApi(db.store, { maxDynosPerApp: 4 });
  user = await someUser(db.store);
  headers = await api.auth(user.id);
});

afterAll(async () => {
  await api?.close();
  await db?.stop();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, extra: Record<string, string> = {}) =>
  api.app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('API routes', () => {
  it('refuses a request without a valid token', async () => {
    const res = await api.app.inject({ url: '/apps', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ id: 'unauthorized', message: 'Invalid credentials provided. Run `platform login`.' });
  });

  it('creates, shows and destroys an app', async () => {
    const created = await call('POST', '/apps', { name: 'route-app' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'route-app', owner: { id: user.id, email: user.email }, git_url: 'http://api.test/route-app.git', released_at: null });
    expect((await call('POST', '/apps', { name: 'route-app' })).json()).toEqual({ id: 'invalid_params', message: 'Name is already taken.' });
    expect((await call('POST', '/apps', { name: 'Bad' })).statusCode).toBe(422);
    expect((await call('GET', '/apps/route-app')).json()).toMatchObject({ name: 'route-app', owner: { email: user.email } });
    expect((await call('GET', '/apps')).json().map((a: { name: string }) => a.name)).toEqual(['route-app']);
    expect((await call('DELETE', '/apps/route-app')).statusCode).toBe(200);
    expect((await call('GET', '/apps/route-app')).json()).toEqual({ id: 'not_found', message: "Couldn't find that app.", resource: 'app' });
  });

  it("gets and puts an app's buildpack installations in Heroku's shape; refuses unknown ones with 422", async () => {
    expect((await call('POST', '/apps', { name: 'route-bp' })).statusCode).toBe(201);
    expect((await call('GET', '/apps/route-bp/buildpack-installations')).json()).toEqual([]);
    const put = await call('PUT', '/apps/route-bp/buildpack-installations', { updates: [{ buildpack: 'heroku/nodejs' }, { buildpack: 'procfile' }] });
    expect(put.statusCode).toBe(200);
    const expected = [
      { buildpack: { name: 'nodejs', url: 'nodejs' }, ordinal: 0 },
      { buildpack: { name: 'procfile', url: 'procfile' }, ordinal: 1 },
    ];
    expect(put.json()).toEqual(expected);
    expect((await call('GET', '/apps/route-bp/buildpack-installations')).json()).toEqual(expected);
    const bad = await call('PUT', '/apps/route-bp/buildpack-installations', { updates: [{ buildpack: 'https://github.com/x/y' }] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ id: 'invalid_params', message: expect.stringContaining('is not installed on this platform. Installed buildpacks: nodejs') });
    expect((await call('PUT', '/apps/route-bp/buildpack-installations', { nope: 1 })).statusCode).toBe(422);
    expect((await call('PUT', '/apps/route-bp/buildpack-installations', { updates: [] })).json()).toEqual([]);
  });

  it('answers config changes with the whole config, and bad ones with 422', async () => {
    const { app } = await deployedApp(db.store, api.slugsDir, user, 'route-config');
    const set = await call('PATCH', `/apps/${app.name}/config-vars`, { A: '1', B: '2' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ A: '1', B: '2' });
    expect((await call('PATCH', `/apps/${app.name}/config-vars`, { B: null })).json()).toEqual({ A: '1' });
    const reserved = await call('PATCH', `/apps/${app.name}/config-vars`, { PORT: '1' });
    expect(reserved.statusCode).toBe(422);
    expect(reserved.json()).toEqual({ id: 'invalid_params', message: 'PORT is set by the platform in every dyno and cannot be changed.' });
    expect((await call('GET', `/apps/${app.name}/config-vars`)).json()).toEqual({ A: '1' });
    const releases = (await call('GET', `/apps/${app.name}/releases`)).json();
    expect(releases.map((r: { version: number; description: string; current: boolean }) => [r.version, r.description, r.current])).toEqual([
      [1, 'Deploy abc1234', false],
      [2, 'Set A, B config vars', false],
      [3, 'Remove B config vars', true],
    ]);
    expect((await call('GET', `/apps/${app.name}/releases/v2/config-vars`)).json()).toEqual({ A: '1', B: '2' });
  });

  it('pages releases with Range and rolls back with 201', async () => {
    const { app } = await deployedApp(db.store, api.slugsDir, user, 'route-releases');
    await call('PATCH', `/apps/${app.name}/config-vars`, { A: '1' });
    await call('PATCH', `/apps/${app.name}/config-vars`, { A: '2' });
    const page = await call('GET', `/apps/${app.name}/releases`, undefined, { range: 'version ..; max=2, order=desc' });
    expect(page.statusCode).toBe(206);
    expect(page.headers['next-range']).toBe('version ]2..; max=2, order=desc');
    expect(page.headers['content-range']).toBe('version 3..2; max=2');
    const back = await call('POST', `/apps/${app.name}/releases`, { release: 'v2' });
    expect(back.statusCode).toBe(201);
    expect(back.json()).toMatchObject({ version: 4, description: 'Rollback to v2', status: 'succeeded', current: true, eligible_for_rollback: true });
    const bad = await call('POST', `/apps/${app.name}/releases`, { release: 'v99' });
    expect(bad.statusCode).toBe(404);
    expect(bad.json()).toMatchObject({ id: 'not_found', resource: 'release' });
    expect((await call('POST', `/apps/${app.name}/releases`, {})).json()).toMatchObject({ id: 'invalid_params' });
  });

  it('scales with the Heroku body shapes and maps refusals to 422', async () => {
    const { app } = await deployedApp(db.store, api.slugsDir, user, 'route-scale');
    const batch = await call('PATCH', `/apps/${app.name}/formation`, { updates: [{ type: 'worker', quantity: '+2' }] });
    expect(batch.statusCode).toBe(200);
    expect(batch.json()).toEqual([
      expect.objectContaining({ id: `${app.id}:worker`, type: 'worker', quantity: 2, size: 'standard', command: 'node worker.js', app: { id: app.id, name: app.name } }),
    ]);
    const one = await call('PATCH', `/apps/${app.name}/formation/web`, { quantity: 2 });
    expect(one.json()).toMatchObject({ type: 'web', quantity: 2 });
    const over = await call('PATCH', `/apps/${app.name}/formation/web`, { quantity: 3 });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toEqual({ id: 'invalid_params', message: 'That would run 5 dynos; the per-app limit is 4.' });
    expect((await call('PATCH', `/apps/${app.name}/formation`, { updates: [] })).json()).toEqual({
      id: 'invalid_params',
      message: 'Send {"updates": [{"type": "web", "quantity": 2}]}.',
    });
    expect((await call('GET', `/apps/${app.name}/formation`)).json().map((f: { type: string; quantity: number }) => [f.type, f.quantity])).toEqual([
      ['web', 2],
      ['worker', 2],
    ]);
    expect((await call('GET', `/apps/${app.name}/formation/clock`)).statusCode).toBe(404);
  });

  it('starts a one-off with 201 and lists every dyno at its real size', async () => {
    const { app } = await deployedApp(db.store, api.slugsDir, user, 'route-dynos');
    const started = await call('POST', `/apps/${app.name}/dynos`, { command: 'bash', size: 'Standard-2X' });
    expect(started.statusCode).toBe(201);
    expect(started.json()).toMatchObject({ name: 'run.1', type: 'run', size: 'Standard-2X', attach_url: null, release: { version: 1 } });
    const listed = (await call('GET', `/apps/${app.name}/dynos`)).json();
    expect(listed).toEqual([expect.objectContaining({ name: 'run.1', size: 'Standard-2X' })]);
    expect((await call('GET', `/apps/${app.name}/dynos/run.1`)).json()).toMatchObject({ name: 'run.1', size: 'Standard-2X' });
    expect((await call('POST', `/apps/${app.name}/dynos`, { command: 'bash', size: 'huge' })).json()).toMatchObject({ id: 'invalid_params' });
    const missing = await call('DELETE', `/apps/${app.name}/dynos/web.3`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ id: 'not_found', message: 'No dyno or process type web.3.', resource: 'dyno' });
    expect((await call('DELETE', `/apps/${app.name}/dynos`)).statusCode).toBe(202);
  });
});
