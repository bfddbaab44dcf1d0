import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../src/testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

describe('add-ons (migration 008)', () => {
  it('keeps an add-on, its sealed credentials and its attachments; names are unique', async () => {
    const { store, pool } = db;
    const user = await store.accounts.ensureUser('addons@example.com');
    const app = await store.apps.create({ name: 'addon-app', ownerId: user.id });
    const addon = await store.addons.create({ name: 'postgresql-test-1', appId: app.id, service: 'postgresql', plan: 'dev', provider: 'process' });
    expect(addon).toMatchObject({ name: 'postgresql-test-1', state: 'provisioning', service: 'postgresql', plan: 'dev' });
    expect(await store.addons.create({ name: 'postgresql-test-1', appId: app.id, service: 'postgresql', plan: 'dev', provider: 'process' })).toBeNull();

    await store.addons.setCredentials(addon!.id, { url: 'postgres://u:s3cret-pass@127.0.0.1:1/db' });
    expect(await store.addons.credentials(addon!.id)).toEqual({ url: 'postgres://u:s3cret-pass@127.0.0.1:1/db' });
    const raw = await pool.query('SELECT credentials_enc FROM addons WHERE id = $1', [addon!.id]);
    expect((raw.rows[0].credentials_enc as Buffer).includes('s3cret-pass')).toBe(false);
    expect((await store.addons.find('postgresql-test-1'))?.state).toBe('provisioned');
    expect((await store.addons.find(addon!.id))?.name).toBe('postgresql-test-1');

    const att = await store.addons.attach({ addonId: addon!.id, appId: app.id, name: 'DATABASE' });
    expect(att?.name).toBe('DATABASE');
    expect(await store.addons.attach({ addonId: addon!.id, appId: app.id, name: 'DATABASE' })).toBeNull();
    expect((await store.addons.attachments(app.id)).map((a) => a.name)).toEqual(['DATABASE']);

    // An app whose add-on still exists cannot be deleted by accident: its database would be left behind.
    await expect(store.apps.destroy(app.id)).rejects.toMatchObject({ code: '23503' });
    await store.addons.remove(addon!.id);
    expect(await store.addons.attachments(app.id)).toEqual([]);
    await store.apps.destroy(app.id);
  });
});
