/**
 * The registry client against the sandbox swarm's real registry (Debian's docker-registry, deletion enabled):
 * tags of a pushed release image, its digest, deletion by digest, and the allow-lists.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistryClient } from '../src/index.ts';
import { createSwarmFixtures, requireSwarm } from './swarm-harness.ts';

const sandbox = await requireSwarm();

describe.skipIf('skip' in sandbox)(
  `registry client${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`,
  () => {
    if ('skip' in sandbox) return;
    const fixtures = createSwarmFixtures(sandbox);
    const registry = createRegistryClient({ url: sandbox.registryUrl });
    afterAll(async () => (await fixtures).cleanup());

    it('lists, resolves and deletes release-image tags; unknown ones are simply absent', async () => {
      const f = await fixtures;
      const app = `reg-${f.instance.slice(5)}`;
      const a = (await f.makeArtifact({ 'a.txt': 'one' }, app)) as { image: string };
      const b = (await f.makeArtifact({ 'b.txt': 'two' }, app)) as { image: string };
      const tagOf = (image: string) => image.slice(image.indexOf(':') + 1);
      const repository = `platform/${app}`;

      expect((await registry.listTags(repository)).sort()).toEqual([tagOf(a.image), tagOf(b.image)].sort());
      const digest = await registry.digestOf(repository, tagOf(a.image));
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(await registry.digestOf(repository, tagOf(b.image))).not.toBe(digest);

      expect(await registry.deleteManifest(repository, digest!)).toBe(true);
      expect(await registry.digestOf(repository, tagOf(a.image))).toBeNull();
      expect(await registry.listTags(repository)).toEqual([tagOf(b.image)]);
      expect(await registry.deleteManifest(repository, digest!)).toBe(false);
      expect(await registry.listTags('platform/no-such-app-here')).toEqual([]);
      // What this test pushed leaves the registry too.
      expect(await registry.deleteManifest(repository, (await registry.digestOf(repository, tagOf(b.image)))!)).toBe(true);
    });

    it('refuses names outside the release-image allow-lists before any request', async () => {
      await expect(registry.listTags('library/../etc')).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      await expect(registry.digestOf('platform/shop', 'x/../../y')).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      await expect(registry.deleteManifest('platform/shop', 'latest')).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      expect(() => createRegistryClient({ url: 'http://user:pw@127.0.0.1:5000' })).toThrow(/without credentials/);
    });

    it('says the registry is unavailable when nothing answers', async () => {
      const down = createRegistryClient({ url: 'http://127.0.0.1:9', timeoutMs: 2_000 });
      await expect(down.listTags('platform/shop')).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE' });
    });
  },
);
