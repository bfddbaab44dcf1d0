import { describe, it } from 'vitest';
import { describeRuntimeContract } from '../../../test/contracts/runtime.contract.ts';
import { createSwarmRuntime } from '../src/index.ts';
import { createSwarmFixtures, requireSwarm, stderrLogger } from './swarm-harness.ts';

const sandbox = await requireSwarm();

if ('skip' in sandbox) {
  describe.skip(`Runtime contract: swarm (${sandbox.skip})`, () =>
    it('needs the sandbox swarm', () => undefined));
} else {
  describeRuntimeContract('swarm', async () => {
    const fixtures = await createSwarmFixtures(sandbox);
    const runtime = createSwarmRuntime({
      docker: sandbox.docker,
      instance: fixtures.instance,
      registry: sandbox.registry,
      networking: { mode: 'shared', name: fixtures.network },
      // The test runs outside the swarm's networks: it reaches dynos where their node publishes $PORT.
      addresses: 'published',
      // Swarm fixes the SIGTERM → SIGKILL grace per service at create; the suite's per-call graceMs cannot change it.
      stopGraceMs: 1_000,
      pollMs: 100,
      // PLATFORM_TEST_VERBOSE=1: the driver's own log lines on stderr.
      logger: process.env.PLATFORM_TEST_VERBOSE === '1' ? stderrLogger() : undefined,
    });
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
}
