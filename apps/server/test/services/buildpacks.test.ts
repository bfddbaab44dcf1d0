import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { Store } from '@platform/store-postgres';
import { createApp } from '../../src/services/apps.ts';
import { appBuildpacks, resolveBuildpacks, setAppBuildpacks } from '../../src/services/buildpacks.ts';
import { serviceDeps, someUser } from '../support/services.ts';

let db: TestDatabase;
let store: Store;
let env: Awaited<ReturnType<typeof serviceDeps>>;

beforeAll(async () => {
  db = await startTestDatabase();
  store = db.store;
  env = await serviceDeps(store);
});

afterAll(async () => {
  await env?.cleanup();
  await db?.stop();
});

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
    const user = await someUser(store);
    const other = await someUser(store);
    await createApp(env.deps, user, { name: 'bp-choice' });
    expect((await appBuildpacks(env.deps, user, 'bp-choice')).buildpacks).toEqual([]);
    expect((await setAppBuildpacks(env.deps, user, 'bp-choice', ['nodejs', 'heroku/procfile'])).buildpacks).toEqual(['nodejs', 'procfile']);
    await expect(setAppBuildpacks(env.deps, user, 'bp-choice', ['nodejs', 'cobol'])).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    expect((await store.apps.get('bp-choice')).buildpacks).toEqual(['nodejs', 'procfile']);
    await expect(setAppBuildpacks(env.deps, other, 'bp-choice', [])).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect((await setAppBuildpacks(env.deps, user, 'bp-choice', [])).buildpacks).toEqual([]);
  });
});
