import { describePostgresProviderContract } from '../../../test/contracts/addon-provider.contract.ts';
import { reachableUrl } from '../src/index.ts';
import { requireEngine, testProvider } from './support.ts';

describePostgresProviderContract('docker', async () => {
  const docker = await requireEngine();
  const t = await testProvider(docker);
  return {
    provider: t.provider,
    // The superuser's own database; `postgres` and `template1` as on every server.
    sharedDatabases: ['postgres', 'template1', 'platform'],
    reach: (url) => reachableUrl(docker, url),
    cleanup: t.cleanup,
  };
});
