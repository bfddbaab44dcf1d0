import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { BuildRequest } from '@platform/types';
import { buildRequest } from '../../../test/contracts/builder-fixtures.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const buildpacksDir = path.join(repoRoot, 'buildpacks');
export const fixture = (name: string): string => path.join(repoRoot, 'test/fixtures', name);
export const STACK_IMAGE = 'platform/stack:bookworm-4';

/** Runs the docker CLI with an argument array; resolves stdout. */
export async function dockerCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A dockerode client; fails loudly (never skips) without an engine or the stack image. */
export async function requireDocker(): Promise<Docker> {
  const fix = 'Run `bash scripts/install-docker.sh` and `bash scripts/build-stack-image.sh` from the repository root.';
  const docker = new Docker();
  await docker.ping().catch((err: unknown) => {
    throw new Error(`builder-docker tests need a Docker engine (${String(err)}). ${fix}`);
  });
  await docker.getImage(STACK_IMAGE).inspect().catch(() => {
    throw new Error(`builder-docker tests need the stack image ${STACK_IMAGE}. ${fix}`);
  });
  return docker;
}

/** Tar streams of a dir (standing in for `git archive`), temp dirs and file trees: the builder contract's own (test/contracts). */
export { exitedTarOf, tarOf, makeTemp, writeTree } from '../../../test/contracts/builder-fixtures.ts';

/** A build request for `source` as app `bd-test`, its output collected (`lines`, `text()`). */
export const request = (source: Readable, extra: Partial<BuildRequest> = {}) => buildRequest(source, 'bd-test', extra);
