import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeBuilderContract, type BuilderContractHarness } from '../../../test/contracts/builder.contract.ts';
import { createLocalBuilder, type LocalBuilderOptions } from '../src/index.ts';

const isRoot = process.getuid?.() === 0;

// As whoever runs the tests, buildpacks in plain child processes.
describeBuilderContract('local', () => harness({}));
// As root, the way the server wires it: a build-only user, each build in a PID namespace of its own.
if (isRoot) {
  describeBuilderContract('local (sandboxed)', () => harness({ user: { uid: 65534, gid: 65534 }, pidNamespace: true }));
}

async function harness(extra: Partial<LocalBuilderOptions>): Promise<BuilderContractHarness> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'builder-local-contract-'));
  await fsp.chmod(root, 0o755);
  return {
    createBuilder: (options) =>
      createLocalBuilder({
        ...options,
        cacheDir: path.join(root, 'cache'),
        sharedCacheDir: path.join(root, 'shared-cache'),
        workDir: path.join(root, 'work'),
        ...extra,
      }),
    cleanup: () => fsp.rm(root, { recursive: true, force: true }),
  };
}
