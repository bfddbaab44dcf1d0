import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDockerPostgresProvider } from '../src/index.ts';
import { requireEngine } from './support.ts';

describe('a docker add-on that cannot be provisioned', () => {
  it('says to build a missing image, and leaves no container or volume', async () => {
    const docker = await requireEngine();
    const root = await mkdtemp(join(tmpdir(), 'addon-postgres-docker-fail-'));
    const provider = createDockerPostgresProvider({
      docker,
      instance: `test-${randomUUID()}`,
      image: 'platform/postgres:no-such-tag',
      secretsDir: join(root, 'secrets'),
      networkFor: async () => 'bridge',
    });
    const addon = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };
    try {
      await expect(provider.provision(addon)).rejects.toMatchObject({
        code: 'PLT_ADDON_PROVISION_FAILED',
        message: expect.stringContaining('bash scripts/build-postgres-image.sh'),
      });
      const filters = { label: [`platform.addon.id=${addon.addonId}`] };
      expect(await docker.listContainers({ all: true, filters })).toEqual([]);
      expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
      // No app, no network to put it on.
      await expect(provider.provision({ addonId: randomUUID(), plan: 'dev' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      expect(await provider.status(addon)).toBe('missing');
    } finally {
      await provider.deprovision(addon);
      await provider.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
