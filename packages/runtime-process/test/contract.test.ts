import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packDirectory } from '@platform/archive';
import { describeRuntimeContract, type RuntimeContractHarness } from '../../../test/contracts/runtime.contract.ts';
import { createAppUsers } from '@platform/sandbox';
import { createProcessRuntime, type ProcessRuntimeOptions } from '../src/index.ts';

const isRoot = process.getuid?.() === 0;

// As root, dynos run as nobody:nogroup (the plain setup).
describeRuntimeContract('process', () => harness(() => ({ runAs: isRoot ? { uid: 65534, gid: 65534 } : null })));
// As root, the way the server wires it: each app its own uid, each dyno in a PID namespace under tini.
if (isRoot) {
  describeRuntimeContract('process (sandboxed)', () =>
    harness((root) => ({ runAs: createAppUsers({ file: join(root, 'app-users.json') }).dynoUser, pidNamespace: true })),
  );
}

async function harness(extra: (root: string) => Partial<ProcessRuntimeOptions>): Promise<RuntimeContractHarness> {
  const root = await mkdtemp(join(tmpdir(), 'runtime-process-contract-'));
  await chmod(root, 0o711); // dynos run unprivileged and must reach root/dynos/<id>/app
  const runtime = createProcessRuntime({
    dynosDir: join(root, 'dynos'),
    closeGraceMs: 200,
    ...extra(root),
  });
  let n = 0;
  return {
    runtime,
    nonRoot: isRoot,
    async makeArtifact(files) {
      const src = join(root, `src-${++n}`);
      for (const [name, content] of Object.entries(files)) {
        await mkdir(dirname(join(src, name)), { recursive: true });
        await writeFile(join(src, name), content);
      }
      const slugPath = join(root, `slug-${n}.tgz`);
      await packDirectory(src, createWriteStream(slugPath), { gzip: true });
      const slugChecksum = createHash('sha256')
        .update(await readFile(slugPath))
        .digest('hex');
      return { slugPath, slugChecksum };
    },
    async cleanup() {
      await runtime.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
