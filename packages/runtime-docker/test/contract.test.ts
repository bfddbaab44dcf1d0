import { describeRuntimeContract } from '../../../test/contracts/runtime.contract.ts';
import { createDockerRuntime } from '../src/index.ts';
import { createDockerFixtures, requireDocker } from './docker-harness.ts';

describeRuntimeContract('docker', async () => {
  const docker = await requireDocker();
  const fixtures = await createDockerFixtures(docker);
  const runtime = createDockerRuntime({ docker, network: fixtures.network });
  return {
    runtime,
    nonRoot: true,
    makeArtifact: (files) => fixtures.makeArtifact(files),
    async cleanup() {
      await runtime.close();
      await fixtures.cleanup();
    },
  };
});
