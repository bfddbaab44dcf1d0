import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePostgresProviderContract } from '../../../test/contracts/addon-provider.contract.ts';
import { createProcessPostgresProvider } from '../src/index.ts';

describePostgresProviderContract('process', async () => {
  const root = await mkdtemp(join(tmpdir(), 'addon-postgres-process-'));
  await chmod(root, 0o711); // as root, the server runs as `postgres` and must traverse it
  const provider = createProcessPostgresProvider({ dir: join(root, 'addons') });
  return {
    provider,
    sharedDatabases: ['postgres', 'template1', 'platform'],
    async cleanup() {
      await provider.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
