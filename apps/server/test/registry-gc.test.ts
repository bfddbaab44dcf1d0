/**
 * The registry half of the image GC (`collectRegistry`) against the sandbox swarm's real registry and manager:
 * a removable build's manifest is deleted; one a Swarm service still names is spared, and so is a kept one;
 * tags the store does not know are left alone. Skips, saying why, without the sandbox swarm.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { BuildRecord } from '@platform/store-postgres';
import { createRegistryClient } from '@platform/runtime-swarm';
import { collectRegistry, imagesInUse } from '../src/registry-gc.ts';
import { createSwarmFixtures, requireSwarm } from '../../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm();

/** A finished build's row as the store returns it (only `id` and `image` matter here). */
const build = (image: string): BuildRecord => ({
  id: image.slice(image.indexOf(':') + 1),
  appId: 'app',
  userId: 'user',
  status: 'succeeded',
  sourceVersion: null,
  buildpack: null,
  processTypes: { web: 'node server.js' },
  slugChecksum: null,
  slugSize: null,
  image,
  images: null,
  failure: null,
  createdAt: new Date(),
  updatedAt: new Date(),
});

describe.skipIf('skip' in sandbox)(`registry collection${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const fixtures = createSwarmFixtures(sandbox);
  const registry = createRegistryClient({ url: sandbox.registryUrl });
  const services: string[] = [];
  afterAll(async () => {
    for (const id of services) await sandbox.docker.getService(id).remove().catch(() => undefined);
    await (await fixtures).cleanup();
  });

  it('deletes removable builds\' manifests, never one a service runs or a kept one', async () => {
    const f = await fixtures;
    const app = `gc-${f.instance.slice(5)}`;
    const repository = `platform/${app}`;
    const images: string[] = [];
    for (const n of ['running', 'old', 'kept', 'unknown']) images.push((await f.makeArtifact({ [`${n}.txt`]: n }, app)).image!);
    const [running, old, kept, unknown] = images as [string, string, string, string];
    // A dyno still runs `running` (a service that never gets a node: only its spec matters).
    const service = await sandbox.docker.createService({
      Name: `plt-gc-test-${randomUUID().slice(0, 8)}`,
      Labels: { 'platform.managed': f.instance },
      TaskTemplate: {
        ContainerSpec: { Image: `${sandbox.registry}/${running}` },
        Placement: { Constraints: ['node.labels.platform-stopped==true'] },
      },
    } as never);
    services.push((service as { id: string }).id);

    const inUse = await imagesInUse(sandbox.docker, sandbox.registry);
    expect(inUse.has(running)).toBe(true);
    const builds = [running, old, kept].map(build);
    const deleted = await collectRegistry({
      registry,
      apps: [{ builds, removable: new Set([builds[0]!.id, builds[1]!.id]) }],
      inUse,
      logger: pino({ level: 'silent' }),
    });
    expect(deleted).toEqual([old]);
    const tag = (image: string) => image.slice(image.indexOf(':') + 1);
    expect((await registry.listTags(repository)).sort()).toEqual([running, kept, unknown].map(tag).sort());
    for (const image of [running, kept, unknown]) {
      const digest = await registry.digestOf(repository, tag(image));
      if (digest) await registry.deleteManifest(repository, digest);
    }
  });
});
