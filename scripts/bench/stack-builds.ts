/**
 * Builds of one small app per non-Node.js stack, run straight through `buildpacks/_runner/build` on the host (what
 * process mode runs; docker mode runs the same script in a container), cold (empty app cache) and warm (the same
 * app again, its cache kept):
 *
 * - static: a site of a few pages and a stylesheet (the static server installed with npm ci, gzip copies written);
 * - Python: requirements.txt with two packages from a local package index of real wheels (no PyPI here), into a
 *   virtualenv (cold seeds it; warm copies the seed from the cache).
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Report } from './report.ts';
import { startPythonIndex } from '../../test/support/python-index.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const buildpacksDir = path.join(repoRoot, 'buildpacks');

export interface StackBuildOptions {
  coldReps: number;
  warmReps: number;
  log: (line: string) => void;
}

/** One build of a fresh copy of `app` with `config` as ENV_DIR files: wall time in ms. */
async function buildOnce(app: string, cache: string, config: Record<string, string>): Promise<number> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-stack-run-'));
  try {
    const build = path.join(scratch, 'app');
    await cp(app, build, { recursive: true });
    await mkdir(path.join(scratch, 'env'));
    await mkdir(path.join(scratch, 'home'));
    for (const [key, value] of Object.entries(config)) await writeFile(path.join(scratch, 'env', key), value);
    const started = performance.now();
    const child = spawn(
      path.join(buildpacksDir, '_runner/build'),
      [build, cache, path.join(scratch, 'env'), buildpacksDir, path.join(scratch, 'release.yml')],
      {
        cwd: build,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: path.join(scratch, 'home'), STACK: 'bookworm', LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`build failed (${code}):\n${text.split('\n').slice(-15).join('\n')}`);
    return performance.now() - started;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function runStack(
  report: Report,
  options: StackBuildOptions,
  root: string,
  name: string,
  app: string,
  config: Record<string, string>,
): Promise<void> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < options.coldReps; i++) {
    const cache = path.join(root, `cache-${name}-${i}`);
    options.log(`${name} build: cold ${i + 1}/${options.coldReps}`);
    cold.push(await buildOnce(app, cache, config));
    for (let j = 0; j < options.warmReps; j++) {
      options.log(`${name} build: warm ${j + 1}/${options.warmReps}`);
      warm.push(await buildOnce(app, cache, config));
    }
  }
  report.add({ bench: `${name} build: cold`, runtime: 'host', unit: 'ms', values: cold });
  report.add({ bench: `${name} build: warm`, runtime: 'host', unit: 'ms', values: warm });
}

export async function benchStackBuilds(report: Report, options: StackBuildOptions): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-stacks-'));
  const index = await startPythonIndex(path.join(root, 'index'));
  try {
    await runStack(report, options, root, 'Static site', path.join(repoRoot, 'test/corpus/static-site'), {});
    await runStack(report, options, root, 'Python, 2 packages', path.join(repoRoot, 'test/corpus/python-wsgi'), {
      PIP_INDEX_URL: `${index.url}/simple/`,
    });
  } finally {
    await index.close();
    await rm(root, { recursive: true, force: true });
  }
}
