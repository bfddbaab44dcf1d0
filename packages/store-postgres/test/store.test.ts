import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createCipher } from '@platform/secrets';
import { createStore, migrate, type Store } from '../src/index.ts';
import { startTestDatabase, type TestDatabase } from '../src/testing.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: Store;

beforeAll(async () => {
  db = await startTestDatabase();
  ({ pool, store } = db);
});

afterAll(async () => {
  await db?.stop();
});

async function appWithBuild(name: string) {
  const user = await store.accounts.ensureUser('dev@example.com');
  const app = await store.apps.create({ name, ownerId: user.id });
  const build = await store.builds.create({ appId: app.id, userId: user.id, sourceVersion: 'abc1234' });
  await store.builds.succeed(build.id, { buildpack: 'Node.js', processTypes: { web: 'npm start' }, slugChecksum: 'f'.repeat(64), slugSize: 10 });
  return { user, app, build };
}

describe('store', () => {
  it('migrations are idempotent', async () => {
    expect(await migrate(pool)).toEqual([]);
  });

  it('refuses duplicate app names with a stable code', async () => {
    const user = await store.accounts.ensureUser('dev@example.com');
    await store.apps.create({ name: 'dup-app', ownerId: user.id });
    await expect(store.apps.create({ name: 'dup-app', ownerId: user.id })).rejects.toMatchObject({ code: 'PLT_APP_EXISTS' });
  });

  it("moves an app's updated_at only when a switch really changes (a repeated maintenance:off or acm disable changes nothing)", async () => {
    const user = await store.accounts.ensureUser('switches@example.com');
    const app = await store.apps.create({ name: 'switch-app', ownerId: user.id });
    const same = [
      await store.apps.setMaintenance(app.id, false),
      await store.apps.setAcm(app.id, false),
      await store.apps.setRedirectHttps(app.id, false),
      await store.apps.setBuildpacks(app.id, []),
    ];
    expect(same.map((a) => a.updatedAt.getTime())).toEqual(same.map(() => app.updatedAt.getTime()));
    const changed = await store.apps.setMaintenance(app.id, true);
    expect(changed.maintenance).toBe(true);
    expect(changed.updatedAt.getTime()).toBeGreaterThan(app.updatedAt.getTime());
  });

  it('authenticates tokens by hash only', async () => {
    const user = await store.accounts.ensureUser('tok@example.com');
    const token = await store.accounts.createToken(user.id, 'test');
    expect((await store.accounts.authenticate(token))?.user.email).toBe('tok@example.com');
    expect(await store.accounts.authenticate(token + 'x')).toBeNull();
    const raw = await pool.query('SELECT token_hash::text AS h FROM api_tokens');
    expect(raw.rows.some((r) => String(r.h).includes(token))).toBe(false);
  });

  it('keeps versions unique and gap-free when deploys, config changes and rollbacks race', async () => {
    const { user, app, build } = await appWithBuild('race-app');
    const first = await store.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy', userId: user.id, status: 'succeeded' });
    const ops = Array.from({ length: 30 }, (_, i) => {
      if (i % 3 === 0) return store.releases.createForBuild({ appId: app.id, buildId: build.id, description: `Deploy ${i}`, userId: user.id, status: 'succeeded' });
      if (i % 3 === 1) return store.releases.updateConfig({ appId: app.id, changes: { [`K${i}`]: String(i) }, userId: user.id, description: `Set K${i}` });
      return store.releases.rollback({ appId: app.id, target: first, userId: user.id });
    });
    await Promise.all(ops);
    const versions = (await store.releases.list(app.id, { max: 1000 })).map((r) => r.version);
    expect(versions).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  });

  it('encrypts config at rest and snapshots it per release; rollback restores the old config', async () => {
    const { user, app, build } = await appWithBuild('config-app');
    const secret = 'sup3r "secret" $(id)\nline two ☃';
    await store.releases.updateConfig({ appId: app.id, changes: { SECRET: secret }, userId: user.id, description: 'Set SECRET' });
    const v1 = await store.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy', userId: user.id, status: 'succeeded' });
    const { release: v2 } = await store.releases.updateConfig({ appId: app.id, changes: { SECRET: null, OTHER: 'x' }, userId: user.id, description: 'Remove SECRET' });
    expect(v2?.version).toBe(2);
    expect(await store.releases.config(v1.id)).toEqual({ SECRET: secret });
    expect(await store.releases.config(v2!.id)).toEqual({ OTHER: 'x' });

    const dump = await pool.query(`SELECT encode(config_enc, 'escape') AS c FROM releases UNION ALL SELECT encode(config_enc, 'escape') FROM apps`);
    expect(dump.rows.map((r) => String(r.c)).join('\n')).not.toContain('sup3r');

    const v3 = await store.releases.rollback({ appId: app.id, target: v1, userId: user.id });
    expect(v3).toMatchObject({ version: 3, description: 'Rollback to v1', buildId: build.id });
    expect(await store.releases.config(v3.id)).toEqual({ SECRET: secret });
    expect(await store.config.get(app.id)).toEqual({ SECRET: secret });
  });

  it('records config without a release when the app has no build yet', async () => {
    const user = await store.accounts.ensureUser('dev@example.com');
    const app = await store.apps.create({ name: 'nobuild-app', ownerId: user.id });
    const { release, config } = await store.releases.updateConfig({ appId: app.id, changes: { A: '1' }, userId: user.id, description: 'Set A' });
    expect(release).toBeNull();
    expect(config).toEqual({ A: '1' });
    expect(await store.releases.list(app.id)).toEqual([]);
  });

  it('finds releases by version or v-prefixed version and refuses unknown ones', async () => {
    const { user, app, build } = await appWithBuild('find-app');
    const r = await store.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy', userId: user.id, status: 'succeeded' });
    expect((await store.releases.get(app.id, '1')).id).toBe(r.id);
    expect((await store.releases.get(app.id, 'v1')).id).toBe(r.id);
    expect((await store.releases.get(app.id, r.id)).version).toBe(1);
    for (const bad of ['v0', 'v999', 'vabc', '0']) {
      await expect(store.releases.get(app.id, bad)).rejects.toMatchObject({ code: 'PLT_RELEASE_NOT_FOUND' });
    }
  });

  it('refuses to run with a key that cannot read the stored data', async () => {
    const other = createStore({ pool, cipher: createCipher(randomBytes(32)) });
    await expect(other.verifyKey()).rejects.toMatchObject({ code: 'PLT_SECRET_KEY_MISMATCH' });
  });

  it('gives web 1 and other types 0 on first sight, and keeps quantities after', async () => {
    const { app } = await appWithBuild('formation-app');
    await store.formations.ensureTypes(app.id, ['web', 'worker']);
    await store.formations.setQuantities(app.id, [{ type: 'web', quantity: 3 }]);
    const f = await store.formations.ensureTypes(app.id, ['web', 'worker', 'clock']);
    expect(f.map((x) => [x.type, x.quantity])).toEqual([['clock', 0], ['web', 3], ['worker', 0]]);
  });

  it('decrypts a release config once while it stays among the last releaseConfigCacheSize read', async () => {
    let opened = 0;
    const counting = { ...db.cipher, openJson: <T>(blob: Buffer) => (opened++, db.cipher.openJson<T>(blob)) };
    const small = createStore({ pool, cipher: counting, releaseConfigCacheSize: 2 });
    const { user, app, build } = await appWithBuild('cache-app');
    await small.releases.updateConfig({ appId: app.id, changes: { A: '1' }, userId: user.id, description: 'Set A' });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await small.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy', userId: user.id, status: 'succeeded' })).id);
    opened = 0;
    const [a, b, c] = ids as [string, string, string];
    for (const id of [a, b, a, b]) expect(await small.releases.config(id)).toEqual({ A: '1' });
    expect(opened).toBe(2);
    await small.releases.config(c); // evicts a, the least recently read
    await small.releases.config(b);
    await small.releases.config(a);
    expect(opened).toBe(4);
    // Each caller gets its own copy.
    (await small.releases.config(a)).A = 'changed';
    expect(await small.releases.config(a)).toEqual({ A: '1' });
  });
});
