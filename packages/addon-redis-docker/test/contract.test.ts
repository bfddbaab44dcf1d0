import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { describeRedisProviderContract } from '../../../test/contracts/addon-provider.contract.ts';
import { ADDON_LABEL, createDockerRedisProvider, reachableUrl } from '../src/index.ts';

const IMAGE = 'platform/redis:7-bookworm-1';

describeRedisProviderContract('docker', async () => {
  const docker = new Docker();
  await docker.getImage(IMAGE).inspect().catch(() => {
    throw new Error(`The docker Redis provider needs the image ${IMAGE} and a Docker engine: run \`bash scripts/build-local-image.sh redis\`.`);
  });
  const suffix = randomBytes(4).toString('hex');
  const instance = `test-${suffix}`;
  const secretsDir = await mkdtemp(path.join(tmpdir(), 'redis-docker-secrets-'));
  // Stands in for an app's dyno network: the add-ons' containers join it, nothing is published on the host.
  const network = `plt-e2e-redis-${suffix}`;
  await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { [ADDON_LABEL.instance]: instance } });
  const provider = createDockerRedisProvider({ docker, image: IMAGE, instance, secretsDir, networkFor: async () => network });
  return {
    provider,
    // The URL names the container, which only its network's DNS resolves: this host uses its address.
    reachable: (url) => reachableUrl(docker, url),
    async cleanup() {
      await provider.close();
      const left = await docker.listContainers({ all: true, filters: { label: [`${ADDON_LABEL.instance}=${instance}`] } });
      for (const c of left) await docker.getContainer(c.Id).remove({ force: true, v: true });
      await docker.getNetwork(network).remove();
      await rm(secretsDir, { recursive: true, force: true });
    },
  };
});
