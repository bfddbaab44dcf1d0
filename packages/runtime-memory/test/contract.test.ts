import { createHash } from 'node:crypto';
import { describeRuntimeContract } from '../../../test/contracts/runtime.contract.ts';
import { createMemoryRuntime } from '../src/index.ts';

// Fake dynos run no code: the cases that need the fixture apps to run are skipped; `script` plays CRASHER's and
// GRACEFUL's output and exit through the control API.
describeRuntimeContract(
  'memory',
  async () => {
    const runtime = createMemoryRuntime();
    return {
      runtime,
      async makeArtifact(files) {
        const slugChecksum = createHash('sha256').update(JSON.stringify(files)).digest('hex');
        return { slugPath: `/nonexistent/slugs/${slugChecksum}.tgz`, slugChecksum };
      },
      script: {
        write: (id, stream, text) => runtime.write(id, text, stream),
        exit: (id, code) => void runtime.crash(id, code),
      },
      cleanup: () => runtime.close(),
    };
  },
  { runsArtifacts: false },
);
