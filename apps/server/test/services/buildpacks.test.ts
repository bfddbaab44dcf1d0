import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/services/apps.ts';
import { appBuildpacks, resolveBuildpacks, setAppBuildpacks } from '../../src/services/buildpacks.ts';
import { someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

describe('buildpacks', () => {
  it('resolves installed names, and Heroku-style heroku/<name>; refuses others naming the installed ones', () => {
    const installed = ['nodejs', 'python', 'procfile', 'static'];
    expect(resolveBuildpacks(['heroku/nodejs', ' python '], installed)).toEqual(['nodejs', 'python']);
    expect(() => resolveBuildpacks(['ruby'], installed)).toThrow('Buildpack "ruby" is not installed on this platform. Installed buildpacks: nodejs, python, procfile, static.');
    expect(() => resolveBuildpacks(['../nodejs'], installed)).toThrow(/not installed/);
    expect(() => resolveBuildpacks([42], installed)).toThrow(/Buildpack that is not installed/);
    expect(() => resolveBuildpacks(['nodejs', 'nodejs'], installed)).toThrow('Buildpack nodejs is listed twice.');
    expect(() => resolveBuildpacks(Array(7).fill('x'), installed)).toThrow(/At most 6/);
  });

  it("stores an app's choice in order, clears it, and changes nothing on a bad request", async () => {
    const user = await someUser(t.store);
    const other = await someUser(t.store);
    await createApp(t.env.deps, user, { name: 'bp-choice' });
    expect((await appBuildpacks(t.env.deps, user, 'bp-choice')).buildpacks).toEqual([]);
    expect((await setAppBuildpacks(t.env.deps, user, 'bp-choice', ['nodejs', 'heroku/procfile'])).buildpacks).toEqual(['nodejs', 'procfile']);
    await expect(setAppBuildpacks(t.env.deps, user, 'bp-choice', ['nodejs', 'cobol'])).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    expect((await t.store.apps.get('bp-choice')).buildpacks).toEqual(['nodejs', 'procfile']);
    await expect(setAppBuildpacks(t.env.deps, other, 'bp-choice', [])).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect((await setAppBuildpacks(t.env.deps, user, 'bp-choice', [])).buildpacks).toEqual([]);
  });
});
