import { describe, expect, it } from 'vitest';
import { createStore } from '@platform/store-postgres';
import type { Cipher } from '@platform/secrets';
import { appTarget } from '../../src/deploy/targets.ts';
import { MAX_CONFIG_BYTES, describeConfigChange, getConfigVars, setConfigVars, validateConfigChanges } from '../../src/services/config.ts';
import { deployedApp, serviceDeps, someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

describe('validateConfigChanges', () => {
  it.each([
    [[], /JSON object/],
    [{}, /No config vars/],
    [{ 'BAD-KEY': '1' }, /not a valid config var name/],
    [{ '1ABC': '1' }, /not a valid config var name/],
    [{ PORT: '80' }, /PORT is set by the platform/],
    [{ DYNO: 'web.1' }, /DYNO is set by the platform/],
    [{ A: 1 }, /must be a string/],
    [{ A: 'x\0y' }, /NUL byte/],
  ])('refuses %j', (body, message) => {
    expect(() => validateConfigChanges(body)).toThrow(message);
  });

  it('keeps sets and removals', () => {
    expect(validateConfigChanges({ A: '1', B: null })).toEqual({ A: '1', B: null });
    expect(describeConfigChange({ A: '1', B: null })).toBe('Set A and remove B config vars');
    expect(describeConfigChange({ B: null })).toBe('Remove B config vars');
  });
});

describe('setConfigVars', () => {
  it('records config without a release before the first deploy', async () => {
    const user = await someUser(t.store);
    await t.store.apps.create({ name: 'cfg-nodeploy', ownerId: user.id });
    const { config, release } = await setConfigVars(t.env.deps, user, 'cfg-nodeploy', { A: '1' });
    expect(config).toEqual({ A: '1' });
    expect(release).toBeNull();
    expect(await getConfigVars(t.env.deps, user, 'cfg-nodeploy')).toEqual({ A: '1' });
  });

  it('makes a config change a release and rolls the app onto it', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'cfg-release');
    const { config, release } = await setConfigVars(t.env.deps, user, app.name, { GREETING: 'hi' });
    expect(config).toEqual({ GREETING: 'hi' });
    expect(release).toMatchObject({ version: 2, description: 'Set GREETING config vars' });
    expect((await t.store.releases.current(app.id))?.version).toBe(2);
    expect(await t.store.releases.config(release!.id)).toEqual({ GREETING: 'hi' });
    expect(t.env.recorded.deployed).toContain(2);
  });

  it("hides another user's app and refuses reserved keys before anything changes", async () => {
    const owner = await someUser(t.store);
    const other = await someUser(t.store);
    await t.store.apps.create({ name: 'cfg-private', ownerId: owner.id });
    await expect(setConfigVars(t.env.deps, other, 'cfg-private', { A: '1' })).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    await expect(setConfigVars(t.env.deps, owner, 'cfg-private', { PORT: '1' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    expect(await getConfigVars(t.env.deps, owner, 'cfg-private')).toEqual({});
  });

  it('refuses a change that takes the config over 32 kB', async () => {
    const user = await someUser(t.store);
    await t.store.apps.create({ name: 'cfg-cap', ownerId: user.id });
    await setConfigVars(t.env.deps, user, 'cfg-cap', { A: 'x'.repeat(MAX_CONFIG_BYTES - 1) });
    await expect(setConfigVars(t.env.deps, user, 'cfg-cap', { B: 'y' })).rejects.toThrow(/would total 32770 bytes; the limit is 32768 bytes/);
    // Replacing a value counts the new size only.
    await setConfigVars(t.env.deps, user, 'cfg-cap', { A: 'z' });
  });

  it('keeps the 32 kB cap when two changes race (the check holds the app lock)', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'cfg-race');
    const half = 'x'.repeat(20 * 1024);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([
        setConfigVars(t.env.deps, user, app.name, { [`A${round}`]: half }),
        setConfigVars(t.env.deps, user, app.name, { [`B${round}`]: half }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'PLT_INVALID_PARAMS' } });
      const config = await t.store.config.get(app.id);
      expect(Object.entries(config).reduce((n, [k, v]) => n + k.length + v.length, 0)).toBeLessThanOrEqual(MAX_CONFIG_BYTES);
      await setConfigVars(t.env.deps, user, app.name, Object.fromEntries(Object.keys(config).map((k) => [k, null])));
    }
  });

  it('decrypts a config change once, and the reconcile ticks after it not at all', async () => {
    // A second view of the same database whose cipher counts decryptions.
    let opened = 0;
    const counting: Cipher = {
      ...t.db.cipher,
      open: (blob) => (opened++, t.db.cipher.open(blob)),
      openJson: <T>(blob: Buffer) => (opened++, t.db.cipher.openJson<T>(blob)),
    };
    const counted = createStore({ pool: t.db.pool, cipher: counting });
    const deps = await serviceDeps(counted);
    try {
      const user = await someUser(counted);
      const { app } = await deployedApp(counted, deps.slugsDir, user, 'cfg-decrypt');
      const tick = () => appTarget(counted, deps.slugsDir, app.id); // what the process manager loads per app per tick
      await setConfigVars(deps.deps, user, app.name, { A: '0' });
      await tick();
      opened = 0;
      const { release } = await setConfigVars(deps.deps, user, app.name, { A: '1' });
      for (let i = 0; i < 3; i++) expect((await tick())?.release).toMatchObject({ id: release!.id, env: { A: '1' } });
      expect(opened).toBe(1);
    } finally {
      await deps.cleanup();
    }
  });
});
