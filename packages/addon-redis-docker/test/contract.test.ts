import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { describeRedisProviderContract } from '../../../test/contracts/addon-provider.contract.ts';
import { createDockerRedisProvider } from '../src/index.ts';

const IMAGE = 'platform/redis:7-bookworm-1';

describeRedisProviderContract('docker', async () => {
  const docker = new Docker();
  await docker.getImage(IMAGE).inspect().catch(() => {
    throw new Error(`The docker Redis provider needs the image ${IMAGE} and a Docker engine: run \`bash scripts/prepare-docker-host.sh\`.`);
  });
  const suffix = randomBytes(4).toString('hex');
  const instance = `test-${suffix}`;
  // Stands in for an app's dyno network: the add-ons' containers join it, nothing is published on the host.
  const network = `plt-e2e-redis-${suffix}`;
  await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { 'platform.managed': instance } });
  const provider = createDockerRedisProvider({ docker, image: IMAGE, instance, adminSecret: randomBytes(32).toString('hex'), networkFor: async () => network });
  return {
    provider,
    // The URL names the container, which only its network's DNS resolves: this host uses its address.
    async reachable(url) {
      const u = new URL(url);
      const info = await docker.getContainer(u.hostname).inspect();
      u.hostname = info.NetworkSettings.Networks[network]?.IPAddress ?? '';
      return u.toString();
    },
    async cleanup() {
      await provider.close();
      const left = await docker.listContainers({ all: true, filters: { label: [`platform.managed=${instance}`] } });
      for (const c of left) await docker.getContainer(c.Id).remove({ force: true, v: true });
      await docker.getNetwork(network).remove();
    },
  };
});
