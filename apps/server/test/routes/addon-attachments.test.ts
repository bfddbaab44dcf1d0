import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { createProcessPostgresProvider, type ProcessPostgresProvider } from '@platform/addon-postgres-process';
import { deployedApp, someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';
import { canConnectPostgres } from '../../../../test/support/postgres-client.ts';

/**
 * Add-on attachments through the real API server (issue 17): attaching an add-on to a second app is a config
 * release there, detaching removes the var, every refusal is a 4xx `{id, message}` that changes nothing, and the
 * vars an attachment owns are not config:set's.
 */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let provider: ProcessPostgresProvider;
let root: string;
let owner: User;
let headers: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'attachments-routes-'));
  await chmod(root, 0o711);
  provider = createProcessPostgresProvider({ dir: path.join(root, 'addons') });
  api = await testApi(db.store, { addonProviders: [provider] });
  owner = await someUser(db.store);
  headers = await api.auth(owner.id);
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, payload?: unknown, h = headers) =>
  api.app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload: payload as object }) });

const config = async (app: string) => (await call('GET', `/apps/${app}/config-vars`)).json() as Record<string, string>;
/** The app's release descriptions, newest first. */
const descriptions = async (app: string) => ((await call('GET', `/apps/${app}/releases`)).json() as { description: string }[]).map((r) => r.description).reverse();

/** What a refusal must leave as it was: attachments, config and releases of both apps. */
async function snapshot(...apps: string[]) {
  const out: Record<string, unknown> = {};
  for (const app of apps) {
    out[app] = {
      attachments: (await call('GET', `/apps/${app}/addon-attachments`)).json(),
      config: await config(app),
      releases: await descriptions(app),
    };
  }
  return out;
}


describe('add-on attachments', () => {
  it('attaches an add-on to another app as a config release, lists it across apps, and detaches it', async () => {
    await deployedApp(db.store, api.slugsDir, owner, 'att-main');
    await deployedApp(db.store, api.slugsDir, owner, 'att-other');
    const addon = (await call('POST', '/apps/att-main/addons', { plan: 'postgresql' })).json();
    const url = (await config('att-main')).DATABASE_URL!;

    const attached = await call('POST', '/addon-attachments', { addon: { name: addon.name }, app: { name: 'att-other' } });
    expect(attached.statusCode, attached.body).toBe(201);
    const attachment = attached.json();
    expect(attachment).toMatchObject({ name: 'DATABASE', app: { name: 'att-other' }, addon: { id: addon.id, name: addon.name, app: { name: 'att-main' } } });
    expect(attached.body).not.toContain('postgres://');
    expect((await config('att-other')).DATABASE_URL).toBe(url);
    expect(await canConnectPostgres(url)).toBe(true);
    expect((await descriptions('att-other'))[0]).toBe(`Attach DATABASE (@ref:${addon.name})`);

    // A second name for the same add-on in the same app; the add-on is listed once per app, billed to its own.
    const named = await call('POST', '/addon-attachments', { addon: addon.id, app: 'att-other', name: 'reporting' });
    expect(named.statusCode, named.body).toBe(201);
    expect((await config('att-other')).REPORTING_URL).toBe(url);
    expect((await call('GET', '/apps/att-other/addons')).json()).toEqual([expect.objectContaining({ id: addon.id, app: expect.objectContaining({ name: 'att-main' }) })]);
    const everywhere = (await call('GET', `/addons/${addon.name}/addon-attachments`)).json() as { name: string; app: { name: string } }[];
    expect(everywhere.map((a) => `${a.app.name}::${a.name}`).sort()).toEqual(['att-main::DATABASE', 'att-other::DATABASE', 'att-other::REPORTING']);
    expect((await call('GET', '/apps/att-other/addon-attachments/REPORTING_URL')).json()).toMatchObject({ id: named.json().id });
    expect((await call('GET', `/addon-attachments/${attachment.id}`)).json()).toEqual(attachment);
    const mine = (await call('GET', '/addon-attachments')).json() as { id: string }[];
    expect(mine.map((a) => a.id)).toEqual(expect.arrayContaining([attachment.id, named.json().id]));
    const outsider = await api.auth((await someUser(db.store)).id);
    expect((await call('GET', '/addon-attachments', undefined, outsider)).json()).toEqual([]);

    // config:set and config:unset of an attachment's var are refused, naming the add-on; nothing changes.
    const before = await snapshot('att-other');
    for (const change of [{ REPORTING_URL: 'postgres://elsewhere/db' }, { DATABASE_URL: null }]) {
      const r = await call('PATCH', '/apps/att-other/config-vars', change);
      expect(r.statusCode).toBe(422);
      expect(r.json()).toEqual({ id: 'invalid_params', message: expect.stringContaining(`Cannot overwrite attachment values`) });
      expect(r.json().message).toContain(addon.name);
    }
    expect(await snapshot('att-other')).toEqual(before);

    const detached = await call('DELETE', `/addon-attachments/${named.json().id}`);
    expect(detached.statusCode, detached.body).toBe(200);
    expect((await config('att-other')).REPORTING_URL).toBeUndefined();
    expect((await descriptions('att-other'))[0]).toBe(`Detach REPORTING (@ref:${addon.name})`);
    // The add-on and its data stay.
    expect(await canConnectPostgres(url)).toBe(true);

    // Rolling back to the release that had REPORTING_URL does not bring it back, and says why.
    const releases = (await call('GET', '/apps/att-other/releases')).json() as { id: string; version: number; description: string }[];
    const withReporting = releases.find((r) => r.description.startsWith('Attach REPORTING'))!;
    const rollback = await call('POST', '/apps/att-other/releases', { release: withReporting.id });
    expect(rollback.statusCode, rollback.body).toBe(201);
    expect(rollback.json().description).toBe(`Rollback to v${withReporting.version} (not restored, detached from this app: REPORTING_URL)`);
    expect((await config('att-other')).REPORTING_URL).toBeUndefined();

    // Destroying the owning app detaches the add-on from the other app first: no URL to a dropped database stays.
    expect((await call('DELETE', '/apps/att-main')).statusCode).toBe(200);
    expect(await config('att-other')).toEqual({});
    expect((await descriptions('att-other'))[0]).toBe(`Detach DATABASE (@ref:${addon.name})`);
    expect(await canConnectPostgres(url)).toBe(false);
  });

  it('refuses clashes, the last attachment of the owning app, unknown add-ons and apps the user cannot manage, changing nothing', async () => {
    await deployedApp(db.store, api.slugsDir, owner, 'att-a');
    await deployedApp(db.store, api.slugsDir, owner, 'att-b');
    const a = (await call('POST', '/apps/att-a/addons', { plan: 'postgresql' })).json();
    const b = (await call('POST', '/apps/att-b/addons', { plan: 'postgresql' })).json();
    await call('PATCH', '/apps/att-b/config-vars', { MINE_URL: 'postgres://mine/db' });
    const stranger = await someUser(db.store);
    const strangerHeaders = await api.auth(stranger.id);
    const viewer = await someUser(db.store);
    await db.store.collaborators.add((await db.store.apps.find('att-b'))!.id, viewer.id, ['view', 'deploy']);
    await db.store.collaborators.add((await db.store.apps.find('att-a'))!.id, viewer.id, ['view', 'deploy', 'manage']);
    const viewerHeaders = await api.auth(viewer.id);
    const before = await snapshot('att-a', 'att-b');

    const refusals: [unknown, number, string, Record<string, string>?][] = [
      [{ addon: a.name, app: 'att-b' }, 422, `att-b already has ${b.name} attached as DATABASE`],
      [{ addon: a.name, app: 'att-b', confirm: 'att-a' }, 422, '--confirm att-b'],
      [{ addon: a.name, app: 'att-a', name: 'database' }, 422, 'already attached to att-a as DATABASE'],
      [{ addon: a.name, app: 'att-b', name: 'mine' }, 422, 'MINE_URL is already set on att-b'],
      [{ addon: a.name, app: 'att-b', name: 'bad-name' }, 422, 'not a valid attachment name'],
      [{ addon: a.name, app: 'att-b', name: 'X_URL' }, 422, 'not a valid attachment name'],
      [{ addon: a.name }, 422, 'Say which add-on'],
      [{ addon: 'postgresql-none-00000', app: 'att-b' }, 404, 'add-on'],
      [{ addon: a.name, app: 'no-such-app' }, 404, 'app'],
      // A stranger sees neither app; a collaborator without manage on the attaching app gets 403.
      [{ addon: a.name, app: 'att-b' }, 404, 'add-on', strangerHeaders],
      [{ addon: a.name, app: 'att-b', name: 'shared' }, 403, 'manage permission on att-b', viewerHeaders],
    ];
    for (const [payload, status, text, h] of refusals) {
      const r = await call('POST', '/addon-attachments', payload, h ?? headers);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      const id = status === 404 ? 'not_found' : status === 403 ? 'forbidden' : text.includes('--confirm') || text.includes('already has') ? 'confirmation_required' : 'invalid_params';
      expect(r.json(), JSON.stringify(payload)).toEqual({ id, message: expect.stringContaining(text), ...(status === 404 ? { resource: expect.any(String) } : {}) });
    }
    // The last attachment of an add-on to its owning app: destroy it instead. A stranger cannot even see it.
    const own = (await call('GET', '/apps/att-a/addon-attachments/DATABASE')).json();
    const last = await call('DELETE', `/addon-attachments/${own.id}`);
    expect(last.statusCode).toBe(422);
    expect(last.json().message).toContain('platform addons:destroy');
    expect((await call('DELETE', `/addon-attachments/${own.id}`, undefined, strangerHeaders)).statusCode).toBe(404);
    expect((await call('GET', `/addon-attachments/${own.id}`, undefined, strangerHeaders)).json()).toMatchObject({ id: 'not_found', resource: 'add-on attachment' });
    expect((await call('DELETE', '/addon-attachments/not-an-id')).statusCode).toBe(404);
    expect(await snapshot('att-a', 'att-b')).toEqual(before);

    // With --confirm naming the attaching app, a foreign attachment of the same name is replaced in one release;
    // the owning app's own last attachment never is.
    await call('POST', '/addon-attachments', { addon: b.name, app: 'att-a', name: 'other' });
    const replaced = await call('POST', '/addon-attachments', { addon: a.name, app: 'att-a', name: 'other', confirm: 'att-a' });
    expect(replaced.statusCode, replaced.body).toBe(201);
    expect((await config('att-a')).OTHER_URL).toBe((await config('att-a')).DATABASE_URL);
    const ownB = await call('POST', '/addon-attachments', { addon: a.name, app: 'att-b', confirm: 'att-b' });
    expect(ownB.statusCode).toBe(422);
    expect(ownB.json().message).toContain(`last attachment of ${b.name} to att-b`);
    expect((await call('DELETE', '/apps/att-a')).statusCode).toBe(200);
    expect((await call('DELETE', '/apps/att-b')).statusCode).toBe(200);
  });
});
