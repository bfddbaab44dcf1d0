import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { Store } from '@platform/store-postgres';
import { createProcessPostgresProvider, type ProcessPostgresProvider } from '@platform/addon-postgres-process';
import { destroyApp } from '../../src/services/apps.ts';
import { getConfigVars, setConfigVars } from '../../src/services/config.ts';
import { rollbackRelease } from '../../src/services/releases.ts';
import { createAddon, destroyAddon, getAddon, listAddons, listAttachments, rotateAddonCredentials } from '../../src/services/addons.ts';
import { deployedApp, serviceDeps, someUser } from '../support/services.ts';
import { canConnectPostgres } from '../../../../test/support/postgres-client.ts';

let db: TestDatabase;
let store: Store;
let env: Awaited<ReturnType<typeof serviceDeps>>;
let provider: ProcessPostgresProvider;
let root: string;

beforeAll(async () => {
  db = await startTestDatabase();
  store = db.store;
  root = await mkdtemp(path.join(tmpdir(), 'addons-service-'));
  await chmod(root, 0o711);
  provider = createProcessPostgresProvider({ dir: path.join(root, 'addons') });
  env = await serviceDeps(store, { addonProviders: [provider] });
});

afterAll(async () => {
  await provider?.close();
  await env?.cleanup();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});


describe('add-ons', () => {
  it('creates PostgreSQL as DATABASE_URL (a release, a restart), the next one with a colour name, and destroys them', async () => {
    const user = await someUser(store);
    const { app } = await deployedApp(store, env.slugsDir, user, 'addon-svc');
    const first = await createAddon(env.deps, user, 'addon-svc', { plan: 'heroku-postgresql' });
    expect(first.addon).toMatchObject({ service: 'postgresql', plan: 'dev', provider: 'process', state: 'provisioned' });
    expect(first.addon.name).toMatch(/^postgresql-[a-z]+-\d{5}$/);
    expect(first.configVars).toEqual(['DATABASE_URL']);
    const config = await getConfigVars(env.deps, user, 'addon-svc');
    expect(await canConnectPostgres(config.DATABASE_URL!)).toBe(true);
    const releases = await store.releases.list(app.id);
    expect(releases.map((r) => r.description)).toContain(`Attach DATABASE (@ref:${first.addon.name})`);
    expect(env.recorded.deployed).toContain(2);

    const second = await createAddon(env.deps, user, 'addon-svc', { plan: 'postgresql:dev' });
    expect(second.configVars).toEqual(['HEROKU_POSTGRESQL_AMBER_URL']);
    const named = await createAddon(env.deps, user, 'addon-svc', { plan: 'postgresql', attachment: { name: 'reporting' } });
    expect(named.configVars).toEqual(['REPORTING_URL']);
    expect((await listAddons(env.deps, user, 'addon-svc')).map((a) => a.addon.name)).toEqual(
      expect.arrayContaining([first.addon.name, second.addon.name, named.addon.name]),
    );
    expect((await listAttachments(env.deps, user, 'addon-svc')).map((a) => a.attachment.name).sort()).toEqual(['DATABASE', 'HEROKU_POSTGRESQL_AMBER', 'REPORTING']);

    // config:set of an add-on's var is refused in Heroku's words, and nothing changes.
    await expect(setConfigVars(env.deps, user, 'addon-svc', { DATABASE_URL: 'postgres://elsewhere/db' })).rejects.toMatchObject({
      code: 'PLT_ADDON_CONFIG_OWNED',
      message: expect.stringContaining('Cannot overwrite attachment values DATABASE_URL.'),
    });
    await expect(setConfigVars(env.deps, user, 'addon-svc', { REPORTING_URL: null })).rejects.toMatchObject({ code: 'PLT_ADDON_CONFIG_OWNED' });

    const url = (await getConfigVars(env.deps, user, 'addon-svc')).HEROKU_POSTGRESQL_AMBER_URL!;
    await destroyAddon(env.deps, user, second.addon.name, 'addon-svc');
    expect((await getConfigVars(env.deps, user, 'addon-svc')).HEROKU_POSTGRESQL_AMBER_URL).toBeUndefined();
    expect((await store.releases.list(app.id)).map((r) => r.description)).toContain(`Detach HEROKU_POSTGRESQL_AMBER (@ref:${second.addon.name})`);
    expect(await canConnectPostgres(url)).toBe(false);
    expect(await provider.status({ addonId: second.addon.id, plan: 'dev' })).toBe('missing');
    await expect(getAddon(env.deps, user, second.addon.name)).rejects.toMatchObject({ code: 'PLT_ADDON_NOT_FOUND' });

    // Destroying the app destroys its add-ons: databases and roles gone.
    const left = (await listAddons(env.deps, user, 'addon-svc')).map((a) => a.addon);
    await destroyApp(env.deps, user, 'addon-svc');
    for (const addon of left) expect(await provider.status({ addonId: addon.id, plan: 'dev' })).toBe('missing');
    expect(await store.addons.find(first.addon.id)).toBeNull();
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const user = await someUser(store);
    const stranger = await someUser(store);
    const { app } = await deployedApp(store, env.slugsDir, user, 'addon-bad');
    await expect(createAddon(env.deps, user, 'addon-bad', { plan: 'mysql' })).rejects.toMatchObject({ code: 'PLT_ADDON_SERVICE_NOT_FOUND' });
    await expect(createAddon(env.deps, user, 'addon-bad', { plan: 'postgresql:premium-9' })).rejects.toMatchObject({
      code: 'PLT_ADDON_SERVICE_NOT_FOUND',
      message: expect.stringContaining('postgresql:dev'),
    });
    await expect(createAddon(env.deps, user, 'addon-bad', { plan: undefined })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    for (const name of ['1ABC', 'A-B', 'X_URL', '', 'a'.repeat(70)]) {
      await expect(createAddon(env.deps, user, 'addon-bad', { plan: 'postgresql', attachment: { name } }), name).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    }
    await setConfigVars(env.deps, user, 'addon-bad', { MY_URL: 'postgres://mine/db' });
    await expect(createAddon(env.deps, user, 'addon-bad', { plan: 'postgresql', attachment: { name: 'MY' } })).rejects.toMatchObject({
      code: 'PLT_INVALID_PARAMS',
      message: expect.stringContaining('MY_URL is already set'),
    });
    await expect(createAddon(env.deps, stranger, 'addon-bad', { plan: 'postgresql' })).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect(await store.addons.list(app.id)).toEqual([]);
    expect(await getConfigVars(env.deps, user, 'addon-bad')).toEqual({ MY_URL: 'postgres://mine/db' });

    const mine = await createAddon(env.deps, user, 'addon-bad', { plan: 'postgresql' });
    await expect(createAddon(env.deps, user, 'addon-bad', { plan: 'postgresql', attachment: { name: 'database' } })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(getAddon(env.deps, stranger, mine.addon.name)).rejects.toMatchObject({ code: 'PLT_ADDON_NOT_FOUND' });
    await expect(destroyAddon(env.deps, stranger, mine.addon.id)).rejects.toMatchObject({ code: 'PLT_ADDON_NOT_FOUND' });
    expect(await store.addons.list(app.id)).toHaveLength(1);
    await destroyApp(env.deps, user, 'addon-bad');
    expect(await provider.status({ addonId: mine.addon.id, plan: 'dev' })).toBe('missing');
  });

  it('rolls back code and config but not add-ons: attached vars stay current, a destroyed one is not restored', async () => {
    const user = await someUser(store);
    await deployedApp(store, env.slugsDir, user, 'addon-rb');
    const main = await createAddon(env.deps, user, 'addon-rb', { plan: 'postgresql' }); // v2
    const extra = await createAddon(env.deps, user, 'addon-rb', { plan: 'postgresql' }); // v3
    const dbUrl = (await getConfigVars(env.deps, user, 'addon-rb')).DATABASE_URL!;
    await destroyAddon(env.deps, user, extra.addon.name); // v4
    await setConfigVars(env.deps, user, 'addon-rb', { GREETING: 'hi' }); // v5

    const back = await rollbackRelease(env.deps, user, 'addon-rb', 'v3');
    expect(back.release.description).toBe('Rollback to v3 (not restored, their add-ons are gone: HEROKU_POSTGRESQL_AMBER_URL)');
    expect(await getConfigVars(env.deps, user, 'addon-rb')).toEqual({ DATABASE_URL: dbUrl });

    const first = await rollbackRelease(env.deps, user, 'addon-rb', 'v1');
    expect(first.release.description).toBe('Rollback to v1 (add-on vars kept as they are: DATABASE_URL)');
    expect(await getConfigVars(env.deps, user, 'addon-rb')).toEqual({ DATABASE_URL: dbUrl });
    expect(await canConnectPostgres(dbUrl)).toBe(true);
    await destroyApp(env.deps, user, 'addon-rb');
    expect(await provider.status({ addonId: main.addon.id, plan: 'dev' })).toBe('missing');
  });

  it('rotates credentials: the old URL stops working, the app gets the new one in a release, the data stays', async () => {
    const user = await someUser(store);
    const { app } = await deployedApp(store, env.slugsDir, user, 'addon-rot');
    const created = await createAddon(env.deps, user, 'addon-rot', { plan: 'postgresql' });
    const before = (await getConfigVars(env.deps, user, 'addon-rot')).DATABASE_URL!;
    const client = new pg.Client({ connectionString: before });
    await client.connect();
    await client.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('yes')`);
    await client.end();

    await rotateAddonCredentials(env.deps, user, created.addon.name, 'addon-rot');
    const after = (await getConfigVars(env.deps, user, 'addon-rot')).DATABASE_URL!;
    expect(after).not.toBe(before);
    expect(await canConnectPostgres(before)).toBe(false);
    const again = new pg.Client({ connectionString: after });
    await again.connect();
    expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 'yes' }]);
    await again.end();
    expect(await store.addons.credentials(created.addon.id)).toEqual({ url: after });
    expect((await store.releases.list(app.id)).map((r) => r.description)).toContain(`Rotate DATABASE credentials (@ref:${created.addon.name})`);
    const stranger = await someUser(store);
    await expect(rotateAddonCredentials(env.deps, stranger, created.addon.id)).rejects.toMatchObject({ code: 'PLT_ADDON_NOT_FOUND' });
    await destroyApp(env.deps, user, 'addon-rot');
  });

  it("goes live without the release command, as Heroku does for an add-on's config change", async () => {
    const user = await someUser(store);
    const { app } = await deployedApp(store, env.slugsDir, user, 'addon-rel', { web: 'node server.js', release: 'node migrate.js' });
    await createAddon(env.deps, user, 'addon-rel', { plan: 'postgresql' });
    const latest = (await store.releases.list(app.id)).find((r) => r.version === 2);
    // The service tests' runtime runs no dyno: a release phase would have failed this release.
    expect(latest).toMatchObject({ version: 2, status: 'succeeded', description: expect.stringMatching(/^Attach DATABASE/) });
    await destroyApp(env.deps, user, 'addon-rel');
  });
});
