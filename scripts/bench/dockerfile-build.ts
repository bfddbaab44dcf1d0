/**
 * Builds of the Dockerfile fixture app (`test/fixtures/dockerfile-app`, FROM the stack image) through the docker
 * builder, as a push runs them: cold (a build-arg-free line unique to the run comes first, so no layer after FROM
 * is cached) and warm (the same tree again: the engine's layer cache answers every step). Needs a Docker engine.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { createDockerBuilder } from '@platform/builder-docker';
import type { Report } from './report.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface DockerfileBuildOptions {
  coldReps: number;
  warmReps: number;
  log: (line: string) => void;
}

/** The tree as a tar stream, held from the spawn on (a late reader must not lose the bytes). */
function tarOf(dir: string): Readable {
  return spawn('tar', ['-cf', '-', '-C', dir, '.'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout.pipe(new PassThrough());
}

export async function benchDockerfileBuilds(report: Report, options: DockerfileBuildOptions): Promise<void> {
  const docker = new Docker();
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-dockerfile-'));
  const images: string[] = [];
  const builder = createDockerBuilder({ docker, stackImage: 'platform/stack:bookworm-4', buildpacksDir: path.join(repoRoot, 'buildpacks'), slugsDir: path.join(root, 'slugs') });
  const once = async (dir: string): Promise<number> => {
    const buildId = `bench-${randomBytes(4).toString('hex')}`;
    images.push(`platform/bench-dockerfile:${buildId}`);
    const started = performance.now();
    await builder.build({ app: 'bench-dockerfile', appId: 'bench-dockerfile', buildId, source: tarOf(dir), env: {}, output: () => {} });
    return performance.now() - started;
  };
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < options.coldReps; i++) {
      const dir = path.join(root, `app-${i}`);
      await cp(path.join(repoRoot, 'test/fixtures/dockerfile-app'), dir, { recursive: true });
      const dockerfile = path.join(dir, 'Dockerfile');
      const text = await readFile(dockerfile, 'utf8');
      await writeFile(dockerfile, text.replace('USER root\n', `USER root\nRUN echo cold-${randomBytes(6).toString('hex')}\n`));
      options.log(`Dockerfile build: cold ${i + 1}/${options.coldReps}`);
      cold.push(await once(dir));
      for (let j = 0; j < options.warmReps; j++) {
        options.log(`Dockerfile build: warm ${j + 1}/${options.warmReps}`);
        warm.push(await once(dir));
      }
    }
    report.add({ bench: 'Dockerfile build: cold', runtime: 'docker', unit: 'ms', values: cold });
    report.add({ bench: 'Dockerfile build: warm (layer cache)', runtime: 'docker', unit: 'ms', values: warm });
  } finally {
    for (const image of images) await docker.getImage(image).remove({ force: true }).catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}
