import { existsSync } from 'node:fs';
import { describeBuilderContract } from '../../../test/contracts/builder.contract.ts';
import { createDockerBuilder } from '../src/index.ts';
import { STACK_IMAGE, dockerCli, requireDocker } from './helpers.ts';

// Behind a TLS-intercepting proxy the npm registry is trusted only through the host's CA bundle.
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

describeBuilderContract('docker', async () => {
  const docker = await requireDocker();
  const images = new Set<string>();
  const sharedCacheVolume = `platform-test-shared-cache-${process.pid}-${Date.now()}`;
  return {
    createBuilder(options) {
      const builder = createDockerBuilder({
        docker,
        stackImage: STACK_IMAGE,
        caCertificatesFile: existsSync(HOST_CA) ? HOST_CA : undefined,
        sharedCacheVolume,
        ...options,
      });
      return {
        ...builder,
        async build(request) {
          const result = await builder.build(request);
          if (result.image) images.add(result.image);
          return result;
        },
      };
    },
    async describeArtifact(result) {
      if (!result.image) return '';
      return (await dockerCli(['image', 'inspect', result.image])) + (await dockerCli(['history', '--no-trunc', result.image]));
    },
    async cleanup() {
      await Promise.all([...images].map((image) => docker.getImage(image).remove({ force: true }).catch(() => {})));
      await docker.getVolume(sharedCacheVolume).remove().catch(() => {});
    },
  };
});
