import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRedisProviderContract } from '../../../test/contracts/addon-provider.contract.ts';
import { createProcessRedisProvider } from '../src/index.ts';

describeRedisProviderContract('process', async () => {
  const root = await mkdtemp(join(tmpdir(), 'addon-redis-process-'));
  await chmod(root, 0o711); // as root, the servers run as `redis` and must traverse it
  const provider = createProcessRedisProvider({ dir: join(root, 'addons') });
  return {
    provider,
    async cleanup() {
      await provider.stopServers();
      await provider.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
