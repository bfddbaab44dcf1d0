import { describe, expect, it } from 'vitest';
import { createApp, destroyApp, findApp, getAppInfo, listApps } from '../../src/services/apps.ts';
import { deployedApp, someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

describe('apps', () => {
  it('creates an app owned by the acting user, with a random name when none is given', async () => {
    const user = await someUser(t.store);
    const named = await createApp(t.env.deps, user, { name: 'apps-named' });
    expect(named).toMatchObject({ name: 'apps-named', ownerId: user.id });
    const random = await createApp(t.env.deps, user, {});
    expect(random.name).toMatch(/^[a-z]+-[a-z]+-[0-9]+$/);
    await expect(createApp(t.env.deps, user, { name: 'apps-named' })).rejects.toMatchObject({ code: 'PLT_APP_EXISTS' });
  });

  it.each([['Bad_Name'], ['ab'], ['-dash'], [42]])('refuses the name %j', async (name) => {
    const user = await someUser(t.store);
    await expect(createApp(t.env.deps, user, { name })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS', message: /Name must start with a letter/ });
  });

  it("shows a user their own apps only, an admin everyone's, and answers not found for another's", async () => {
    const alice = await someUser(t.store);
    const bob = await someUser(t.store);
    const admin = await someUser(t.store, true);
    await createApp(t.env.deps, alice, { name: 'apps-alice' });
    expect((await listApps(t.env.deps, alice)).map((a) => a.name)).toEqual(['apps-alice']);
    expect((await listApps(t.env.deps, bob)).map((a) => a.name)).toEqual([]);
    expect((await listApps(t.env.deps, admin)).map((a) => a.name)).toContain('apps-alice');
    await expect(findApp(t.store, bob, 'apps-alice')).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND', message: "Couldn't find that app." });
    expect((await findApp(t.store, admin, 'apps-alice')).ownerId).toBe(alice.id);
  });

  it('tells the current release and its build', async () => {
    const user = await someUser(t.store);
    await createApp(t.env.deps, user, { name: 'apps-info-new' });
    expect(await getAppInfo(t.env.deps, user, 'apps-info-new')).toMatchObject({ release: null, build: null });
    const { app, release, build } = await deployedApp(t.store, t.env.slugsDir, user, 'apps-info');
    expect(await getAppInfo(t.env.deps, user, app.id)).toMatchObject({ app: { name: 'apps-info' }, release: { id: release.id }, build: { id: build.id, buildpack: 'Node.js' } });
  });

  it("destroys an app's rows, dynos and files, and no one else's", async () => {
    const user = await someUser(t.store);
    const other = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'apps-doomed');
    await expect(destroyApp(t.env.deps, other, 'apps-doomed')).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect((await destroyApp(t.env.deps, user, 'apps-doomed')).id).toBe(app.id);
    expect(await t.store.apps.find(app.id)).toBeNull();
    expect(await t.store.releases.list(app.id)).toEqual([]);
    expect(t.env.recorded.removed).toContain(app.id);
    expect(t.env.recorded.forgotten).toContain('apps-doomed');
  });
});
