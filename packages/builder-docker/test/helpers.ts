import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { BuildRequest } from '@platform/types';

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

/** A tar stream of `dir` (standing in for `git archive`): the builder contract's own (test/contracts). */
export { exitedTarOf, tarOf } from '../../../test/contracts/builder-fixtures.ts';

export async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, body, { mode: name.includes('/bin/') ? 0o755 : 0o644 });
  }
  return dir;
}

export const makeTemp = (prefix: string) => fsp.mkdtemp(path.join(os.tmpdir(), prefix));

export function request(
  source: Readable,
  extra: Partial<BuildRequest> = {},
): BuildRequest & { lines: string[]; text: () => string } {
  const lines: string[] = [];
  return {
    app: 'bd-test',
    appId: 'app-1',
    buildId: 'build-1',
    source,
    env: {},
    output: (line: string) => lines.push(line),
    ...extra,
    lines,
    text: () => lines.join('\n'),
  };
}
