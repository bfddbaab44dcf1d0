import { describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setConfigVars } from '../../src/services/config.ts';
import { getRelease, getReleaseConfigVars, isEligibleForRollback, listReleases, rollbackRelease } from '../../src/services/releases.ts';
import { deployedApp, someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

describe('releases', () => {
  it('is eligible for rollback when it succeeded and has a build', () => {
    expect(isEligibleForRollback({ status: 'succeeded', buildId: 'b' })).toBe(true);
    expect(isEligibleForRollback({ status: 'failed', buildId: 'b' })).toBe(false);
    expect(isEligibleForRollback({ status: 'pending', buildId: 'b' })).toBe(false);
    expect(isEligibleForRollback({ status: 'succeeded', buildId: null })).toBe(false);
  });

  it('rolls back to a release: a new one with its build and config, deployed', async () => {
    const user = await someUser(t.store);
    const { app, build } = await deployedApp(t.store, t.env.slugsDir, user, 'rel-back');
    await setConfigVars(t.env.deps, user, app.name, { A: '1' }); // v2
    await setConfigVars(t.env.deps, user, app.name, { A: '2' }); // v3
    const { release, currentId } = await rollbackRelease(t.env.deps, user, app.name, 'v2');
    expect(release).toMatchObject({ version: 4, description: 'Rollback to v2', buildId: build.id, status: 'succeeded' });
    expect(currentId).toBe(release.id);
    expect(await getReleaseConfigVars(t.env.deps, user, app.name, '4')).toEqual({ A: '1' });
    expect(await t.store.config.get(app.id)).toEqual({ A: '1' });
    const page = await listReleases(t.env.deps, user, app.name, { order: 'desc', max: 2 });
    expect(page.releases.map((r) => r.version)).toEqual([4, 3]);
    expect((await getRelease(t.env.deps, user, app.name, String(release.id))).release.version).toBe(4);
  });

  it.each([
    [undefined, /Give the release to roll back to/],
    [{ v: 1 }, /Give the release to roll back to/],
    ['latest', /is not a release version/],
    ['v0', /Release versions start at v1/],
  ])('refuses the reference %j before anything changes', async (ref, message) => {
    const user = await someUser(t.store);
    const { app } = await deployedApp(t.store, t.env.slugsDir, user, `rel-ref-${Math.random().toString(36).slice(2, 8)}`);
    await expect(rollbackRelease(t.env.deps, user, app.name, ref)).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS', message });
    expect((await t.store.releases.list(app.id)).length).toBe(1);
  });

  it('refuses a failed release, a missing one, and one whose slug is gone', async () => {
    const user = await someUser(t.store);
    const { app, build } = await deployedApp(t.store, t.env.slugsDir, user, 'rel-refuse');
    const failed = await t.store.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy x', userId: user.id, status: 'failed' });
    await expect(rollbackRelease(t.env.deps, user, app.name, failed.id)).rejects.toMatchObject({
      code: 'PLT_ROLLBACK_INVALID',
      message: 'v2 is not eligible for rollback (status failed).',
    });
    await expect(rollbackRelease(t.env.deps, user, app.name, 'v9')).rejects.toMatchObject({ code: 'PLT_RELEASE_NOT_FOUND' });
    await rm(path.join(t.env.slugsDir, `${build.slugChecksum}.tgz`));
    await expect(rollbackRelease(t.env.deps, user, app.name, 1)).rejects.toMatchObject({ code: 'PLT_CONFLICT', message: /its slug is gone/ });
    expect((await t.store.releases.list(app.id)).length).toBe(2);
  });
});
