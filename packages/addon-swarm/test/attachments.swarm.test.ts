import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSwarm } from '../../runtime-swarm/test/swarm-harness.ts';
import { createSwarmRedisProvider, type SwarmRedisProvider } from '../src/index.ts';
import { ADDON_IMAGES, loadImageOnManager, swarmProviderOptions } from './support.ts';

/**
 * Attachments on the swarm (sandbox): another app's overlay is added to the add-on's service (Swarm replaces its
 * task: the server restarts on its volume, the data stays) and taken away again; `reconcileNetworks` repairs what a
 * crash between an attachment's row and the service update left. A missing image or a bad plan is refused before
 * anything is made.
 */
const sandbox = await requireSwarm();

describe.skipIf('skip' in sandbox)(`swarm add-on attachments${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const { docker } = sandbox;
  const owner = randomUUID();
  const other = randomUUID();
  const request = { addonId: randomUUID(), plan: 'dev', appId: owner };
  let provider: SwarmRedisProvider;
  let t: Awaited<ReturnType<typeof swarmProviderOptions>>;
  let url = '';

  /** The names of the overlays the add-on's service joins. */
  async function serviceNetworks(): Promise<string[]> {
    const name = new URL(url).hostname;
    const spec = (await docker.getService(name).inspect()) as { Spec: { TaskTemplate: { Networks?: Array<{ Target: string }> } } };
    const names = await Promise.all((spec.Spec.TaskTemplate.Networks ?? []).map(async (n) => ((await docker.getNetwork(n.Target).inspect()) as { Name: string }).Name));
    return names.sort();
  }

  /** Runs `fn` on the add-on with the app's credentials, through the provider's tunnel; retried while the task restarts. */
  async function withApp<T>(fn: (c: Redis) => Promise<T>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new Redis(await provider.platformUrl!(request, url), { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return await fn(client);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        client.disconnect();
      }
    }
  }

  beforeAll(async () => {
    await loadImageOnManager(docker, ADDON_IMAGES.redis, 'bash scripts/build-local-image.sh redis');
    t = await swarmProviderOptions(sandbox, ADDON_IMAGES.redis, 2);
    provider = createSwarmRedisProvider(t.options);
    url = (await provider.provision(request)).url;
    await withApp((c) => c.set('kept', 'yes'));
  });
  afterAll(async () => {
    await provider?.deprovision(request).catch(() => undefined);
    await provider?.close();
    await t?.cleanup();
  });

  it("joins another app's overlay and leaves it again; the server restarts on its data", async () => {
    const [home, away] = t.networks as [string, string];
    expect(await serviceNetworks()).toEqual([home]);
    await provider.connectApp(request, other);
    expect(await serviceNetworks()).toEqual([home, away].sort());
    await provider.connectApp(request, other); // idempotent
    expect(await withApp((c) => c.get('kept'))).toBe('yes');
    await provider.disconnectApp(request, other);
    await provider.disconnectApp(request, owner); // never the owner's
    expect(await serviceNetworks()).toEqual([home]);
    expect(await withApp((c) => c.get('kept'))).toBe('yes');
  });

  it('refuses an add-on whose image the manager lacks, naming the build command, and makes nothing', async () => {
    const missing = createSwarmRedisProvider({ ...t.options, image: 'platform/no-such-addon-image:1' });
    try {
      const lost = { addonId: randomUUID(), plan: 'dev', appId: owner };
      await expect(missing.provision(lost)).rejects.toMatchObject({ code: 'PLT_ADDON_PROVISION_FAILED', message: expect.stringMatching(/no-such-addon-image.*build-local-image\.sh redis/) });
      await expect(missing.provision({ ...lost, plan: 'huge' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      expect(await missing.status(lost)).toBe('missing');
      const secrets = await docker.listSecrets({ filters: { label: [`platform.addon.id=${lost.addonId}`] } });
      expect(secrets).toEqual([]);
    } finally {
      await missing.close();
    }
  });

  it('reconciles the overlays with the attachments the store holds', async () => {
    const [home, away] = t.networks as [string, string];
    expect(await provider.reconcileNetworks(new Map([[request.addonId, [other]]]))).toEqual([{ addonId: request.addonId, networks: [home, away] }]);
    expect(await serviceNetworks()).toEqual([home, away].sort());
    expect(await provider.reconcileNetworks(new Map([[request.addonId, [other]]]))).toEqual([]);
    expect(await provider.reconcileNetworks(new Map([[request.addonId, []]]))).toEqual([{ addonId: request.addonId, networks: [home] }]);
    expect(await serviceNetworks()).toEqual([home]);
    expect(await withApp((c) => c.get('kept'))).toBe('yes');
  });
});
