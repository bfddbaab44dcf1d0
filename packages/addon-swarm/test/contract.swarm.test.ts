import { describe, it } from 'vitest';
import { describePostgresProviderContract, describeRedisProviderContract } from '../../../test/contracts/addon-provider.contract.ts';
import { requireSwarm } from '../../runtime-swarm/test/swarm-harness.ts';
import { createSwarmPostgresProvider, createSwarmRedisProvider } from '../src/index.ts';
import { ADDON_IMAGES, loadImageOnManager, swarmProviderOptions } from './support.ts';

/**
 * The add-on provider contract against the sandbox swarm (scripts/sandbox-swarm.sh): each add-on a Swarm service on
 * an overlay this test process is not on, reached through the provider's own tunnel (`platformUrl`).
 */
const sandbox = await requireSwarm();

if ('skip' in sandbox) {
  describe.skip(`Add-on provider contract: swarm (${sandbox.skip})`, () => it('needs the sandbox swarm', () => undefined));
} else {
  describePostgresProviderContract('swarm', async () => {
    await loadImageOnManager(sandbox.docker, ADDON_IMAGES.postgresql, 'bash scripts/build-postgres-image.sh');
    const t = await swarmProviderOptions(sandbox, ADDON_IMAGES.postgresql);
    const provider = createSwarmPostgresProvider(t.options);
    return {
      provider,
      sharedDatabases: ['postgres', 'template1', 'platform'],
      reach: (url) => provider.platformUrl!({ addonId: addonIdOf(url), plan: 'dev' }, url),
      async cleanup() {
        await provider.close();
        await t.cleanup();
      },
    };
  });

  describeRedisProviderContract('swarm', async () => {
    await loadImageOnManager(sandbox.docker, ADDON_IMAGES.redis, 'bash scripts/build-local-image.sh redis');
    const t = await swarmProviderOptions(sandbox, ADDON_IMAGES.redis);
    const provider = createSwarmRedisProvider(t.options);
    return {
      provider,
      reachable: (url) => provider.platformUrl!({ addonId: addonIdOf(url), plan: 'dev' }, url),
      async cleanup() {
        await provider.close();
        await t.cleanup();
      },
    };
  });
}

/** The add-on id a URL's host (`platform-addon-<hex>`, `platform-redis-<hex>`) was named after. */
function addonIdOf(url: string): string {
  const hex = /^platform-(?:addon|redis)-([0-9a-f]{32})$/.exec(new URL(url).hostname)?.[1] ?? '';
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
