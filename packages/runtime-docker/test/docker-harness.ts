import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { packDirectory } from '@platform/archive';
import type { Artifact } from '@platform/types';
// Release images are the docker builder's artifact: the runtime tests make theirs the same way.
import { createReleaseImage } from '@platform/builder-docker';

export const STACK_IMAGE = 'platform/stack:latest';

const HOW_TO_FIX =
  'Run `bash scripts/install-docker.sh` (starts a Docker engine) and `bash scripts/build-stack-image.sh` (builds ' +
  `${STACK_IMAGE}) from the repository root, then re-run the tests.`;

/** A dockerode client for the local engine; fails loudly (never skips) when the engine or stack image is missing. */
export async function requireDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`runtime-docker tests need a Docker engine, and none answers (${String(err)}). ${HOW_TO_FIX}`);
  }
  try {
    await docker.getImage(STACK_IMAGE).inspect();
  } catch {
    throw new Error(`runtime-docker tests need the stack image ${STACK_IMAGE}, which is missing. ${HOW_TO_FIX}`);
  }
  return docker;
}

/** Temp dirs, slugs, release images and a private network for one test file; `cleanup()` removes them all. */
export async function createDockerFixtures(docker: Docker) {
  const root = await mkdtemp(join(tmpdir(), 'runtime-docker-test-'));
  const network = `platform-test-${randomUUID().slice(0, 8)}`;
  const images: string[] = [];
  let n = 0;

  async function makeSlug(files: Record<string, string>): Promise<string> {
    const src = join(root, `src-${++n}`);
    await mkdir(src, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(src, name)), { recursive: true });
      await writeFile(join(src, name), content);
    }
    const slugPath = join(root, `slug-${n}.tgz`);
    await packDirectory(src, createWriteStream(slugPath), { gzip: true });
    return slugPath;
  }

  async function makeArtifact(files: Record<string, string>, app = 'contract-app'): Promise<Artifact> {
    const slugPath = await makeSlug(files);
    const image = await createReleaseImage({
      docker,
      stackImage: STACK_IMAGE,
      slugPath,
      app,
      appId: randomUUID(),
      buildId: `test-${randomUUID()}`,
    });
    images.push(image);
    const slugChecksum = createHash('sha256').update(await readFile(slugPath)).digest('hex');
    return { slugPath, slugChecksum, image };
  }

  async function cleanup(): Promise<void> {
    // Containers of this file's network first (a failed test may leave some), then images and network.
    const left = await docker.listContainers({ all: true, filters: { network: [network] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
    await Promise.all(images.map((image) => docker.getImage(image).remove({ force: true }).catch(() => {})));
    await docker.getNetwork(network).remove().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }

  return { root, network, images, makeSlug, makeArtifact, cleanup };
}
