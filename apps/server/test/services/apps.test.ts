import { describe, expect, it } from 'vitest';
import { createApp, destroyApp, findApp, getAppInfo, listApps, renameApp, updateApp } from '../../src/services/apps.ts';
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

describe('maintenance mode', () => {
  it('turns maintenance on and off, tells the edge, and refuses a rename or a non-boolean', async () => {
    const user = await someUser(t.store);
    const other = await someUser(t.store);
    await createApp(t.env.deps, user, { name: 'apps-maint' });
    const on = await updateApp(t.env.deps, user, 'apps-maint', { maintenance: true });
    expect(on.maintenance).toBe(true);
    expect((await t.store.apps.get('apps-maint')).maintenance).toBe(true);
    expect(t.env.recorded.edge.settings.get('apps-maint')).toEqual({ maintenance: true, redirectHttps: false });
    expect((await updateApp(t.env.deps, user, 'apps-maint', { maintenance: false })).maintenance).toBe(false);
    expect(t.env.recorded.edge.settings.get('apps-maint')).toEqual({ maintenance: false, redirectHttps: false });
    await expect(updateApp(t.env.deps, user, 'apps-maint', { maintenance: 'yes' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS', message: 'maintenance must be true or false.' });
    await expect(updateApp(t.env.deps, user, 'apps-maint', { name: 'apps-renamed', maintenance: true })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(updateApp(t.env.deps, other, 'apps-maint', { maintenance: true })).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect((await t.store.apps.get('apps-maint')).maintenance).toBe(false);
  });
});

describe('renameApp', () => {
  it('renames, moves what is keyed by name, closes the app sessions and restarts its dynos', async () => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'rename-me');
    const closed: unknown[] = [];
    const unsubscribe = t.env.deps.accessEvents.subscribe((scope) => closed.push(scope));
    const renamed = await renameApp(t.env.deps, user, 'rename-me', 'renamed-app');
    unsubscribe();
    expect(renamed).toMatchObject({ id: app.id, name: 'renamed-app' });
    expect(t.env.recorded.moved).toContain('rename-me -> renamed-app');
    expect(closed).toEqual([{ appId: app.id }]);
    expect(t.env.recorded.restarted).toContainEqual({ appId: app.id, filter: undefined });
    await expect(findApp(t.store, user, 'rename-me')).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect((await getAppInfo(t.env.deps, user, 'renamed-app')).release?.version).toBe(1);
  });

  it('refuses a bad or taken name, and a collaborator without manage, changing nothing', async () => {
    const user = await someUser(t.store);
    const viewer = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, 'keep-name');
    await createApp(t.env.deps, user, { name: 'taken-name' });
    await t.store.collaborators.add(app.id, viewer.id, ['view', 'deploy']);
    await expect(renameApp(t.env.deps, user, 'keep-name', 'Bad Name')).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(renameApp(t.env.deps, user, 'keep-name', 'taken-name')).rejects.toMatchObject({ code: 'PLT_APP_EXISTS' });
    await expect(renameApp(t.env.deps, viewer, 'keep-name', 'other-name')).rejects.toMatchObject({ code: 'PLT_FORBIDDEN' });
    expect((await t.store.apps.find(app.id))?.name).toBe('keep-name');
    expect(t.env.recorded.moved.some((m) => m.startsWith('keep-name'))).toBe(false);
  });
});
