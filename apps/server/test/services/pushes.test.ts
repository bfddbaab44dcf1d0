import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Store } from '@platform/store-postgres';
import type { GitPush } from '@platform/git-http';
import type { Builder } from '@platform/types';
import { authorizePush } from '../../src/services/pushes.ts';
import { serviceDeps, someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

/** The store with its app lookups counted (`get` goes through `find`). */
function countingLookups(store: Store) {
  const counter = { lookups: 0 };
  const apps = { ...store.apps, find: (nameOrId: string) => (counter.lookups++, store.apps.find(nameOrId)) };
  return { store: { ...store, apps } as Store, counter };
}

/** A builder that turns any source into one small slug in `slugsDir`. */
function slugBuilder(slugsDir: string): Builder {
  return {
    async build(request) {
      request.source.resume();
      const slug = Buffer.from(`slug of ${request.app}`);
      const checksum = createHash('sha256').update(slug).digest('hex');
      const slugPath = path.join(slugsDir, `${checksum}.tgz`);
      await writeFile(slugPath, slug);
      request.output('-----> Node.js app detected');
      return { slug: { path: slugPath, checksum, size: slug.length }, processTypes: { web: 'npm start' }, buildpack: 'Node.js' };
    },
    forgetApp: async () => undefined,
  };
}

describe('pushes', () => {
  it('authorises the owner or an admin, with a token, and hides the app from anyone else', async () => {
    const owner = await someUser(t.db.store);
    await t.db.store.apps.create({ name: 'push-auth', ownerId: owner.id });
    const token = await t.db.store.accounts.createToken(owner.id, 'test');
    expect(await authorizePush(t.db.store, token, 'push-auth')).toMatchObject({ user: { id: owner.id }, app: { name: 'push-auth' } });
    await expect(authorizePush(t.db.store, null, 'push-auth')).rejects.toMatchObject({ code: 'PLT_UNAUTHORIZED' });
    await expect(authorizePush(t.db.store, `${token}x`, 'push-auth')).rejects.toMatchObject({ code: 'PLT_UNAUTHORIZED' });
    const stranger = await t.db.store.accounts.createToken((await someUser(t.db.store)).id, 'test');
    await expect(authorizePush(t.db.store, stranger, 'push-auth')).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    const admin = await t.db.store.accounts.createToken((await someUser(t.db.store, true)).id, 'test');
    expect((await authorizePush(t.db.store, admin, 'push-auth')).app.name).toBe('push-auth');
  });

  it('looks the app up once from authorisation to release', async () => {
    const { store, counter } = countingLookups(t.db.store);
    const env = await serviceDeps(store, { builder: slugBuilder });
    try {
      const owner = await someUser(store);
      await store.apps.create({ name: 'push-once', ownerId: owner.id });
      const token = await store.accounts.createToken(owner.id, 'test');
      counter.lookups = 0;
      const principal = await authorizePush(store, token, 'push-once');
      const output: string[] = [];
      const push: GitPush = {
        app: 'push-once',
        principal,
        branch: 'main',
        update: { ref: 'refs/heads/main', oldSha: '0'.repeat(40), newSha: 'a'.repeat(40) },
        archive: () => Readable.from([]),
        output: (line) => void output.push(line),
        signal: new AbortController().signal,
      };
      await env.deployer.onPush(push);
      expect(output).toContain('       Released v1');
      expect(counter.lookups).toBe(1);
    } finally {
      await env.cleanup();
    }
  });
});

describe('git authorisation for teams', () => {
  it('lets a view collaborator fetch but not push, and limits failed attempts per address', async () => {
    const { createAuthThrottle } = await import('../../src/api/auth-throttle.ts');
    const owner = await someUser(t.db.store);
    const viewer = await someUser(t.db.store);
    const app = await t.db.store.apps.create({ name: 'git-team-app', ownerId: owner.id });
    await t.db.store.collaborators.add(app.id, viewer.id, ['view']);
    const token = await t.db.store.accounts.createToken(viewer.id, 'git');
    await expect(authorizePush(t.db.store, token, app.name, 'git-upload-pack')).resolves.toMatchObject({ app: { id: app.id } });
    await expect(authorizePush(t.db.store, token, app.name, 'git-receive-pack')).rejects.toMatchObject({ code: 'PLT_FORBIDDEN' });
    const throttle = createAuthThrottle({ max: 2, windowMs: 60_000 }).forAddress('10.0.0.9');
    // No credentials yet is git asking which to send: not a failure.
    for (let i = 0; i < 3; i++) await expect(authorizePush(t.db.store, null, app.name, 'git-upload-pack', throttle)).rejects.toMatchObject({ code: 'PLT_UNAUTHORIZED' });
    for (let i = 0; i < 2; i++) await expect(authorizePush(t.db.store, 'wrong', app.name, 'git-upload-pack', throttle)).rejects.toMatchObject({ code: 'PLT_UNAUTHORIZED' });
    await expect(authorizePush(t.db.store, token, app.name, 'git-upload-pack', throttle)).rejects.toMatchObject({ code: 'PLT_RATE_LIMITED' });
  });
});
