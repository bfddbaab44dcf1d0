import { beforeAll } from 'vitest';
import Docker from 'dockerode';

import { STACK_IMAGE } from './stack-image.ts';

export { STACK_IMAGE };

/**
 * Docker end-to-end files call this first: without a Docker engine and the stack image they fail
 * (never skip) with the command that fixes it.
 */
export function requireDocker(): Docker {
  const docker = new Docker();
  beforeAll(async () => {
    const fix = 'Run `bash scripts/install-docker.sh` and `bash scripts/build-stack-image.sh` from the repository root.';
    await docker.ping().catch((err: unknown) => {
      throw new Error(`The docker end-to-end tests need a Docker engine (${String(err)}). ${fix}`);
    });
    await docker.getImage(STACK_IMAGE).inspect().catch(() => {
      throw new Error(`The docker end-to-end tests need the stack image ${STACK_IMAGE}. ${fix}`);
    });
  });
  return docker;
}
