/**
 * Node.js buildpack builds of a ~40-dependency app with npm, yarn 1 and pnpm, run straight through
 * `buildpacks/_runner/build` on the host (what process mode runs; docker mode runs the same script in a container):
 *
 * - cold: a new app on a new machine (empty app cache, empty shared cache: Node.js is downloaded);
 * - new app, shared cache warm: a new app on a machine where another app already fetched that Node.js;
 * - warm: the same app again (its caches kept); the install still runs, as on Heroku.
 *
 * Each with the buildpack's own per-step timings (the `-----> Build step timings` lines it prints).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Report } from './report.ts';

const execFileAsync = promisify(execFile);
const buildpacksDir = path.resolve(import.meta.dirname, '../../buildpacks');

const DEPENDENCIES = {
  commander: '12.1.0',
  chalk: '4.1.2',
  debug: '4.3.7',
  dayjs: '1.11.13',
  uuid: '10.0.0',
  lodash: '4.17.21',
  yargs: '17.7.2',
  semver: '7.6.3',
  minimist: '1.2.8',
  'mime-types': '2.1.35',
  picomatch: '4.0.2',
  kleur: '4.1.5',
  cookie: '0.7.2',
  'escape-html': '1.0.3',
  depd: '2.0.0',
  statuses: '2.0.1',
  'on-finished': '2.4.1',
  vary: '1.1.2',
};
const PNPM = 'pnpm@9.15.9';
const YARN = 'yarn@1.22.22';

type Manager = 'npm' | 'yarn' | 'pnpm';

export interface NodejsBuildOptions {
  coldReps: number;
  warmReps: number;
  log: (line: string) => void;
}

/** The app (39 packages installed, one of them a devDependency) with `manager`'s lockfile, made by that manager. */
async function makeApp(dir: string, manager: Manager): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pkg = {
    name: 'bench-40-deps',
    version: '1.0.0',
    private: true,
    engines: { node: '22.x' },
    scripts: { build: 'node -e "require(\'is-number\')"', start: 'node -e "require(\'semver\')"' },
    dependencies: DEPENDENCIES,
    devDependencies: { 'is-number': '7.0.0' },
    ...(manager === 'pnpm' ? { packageManager: PNPM } : {}),
  };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const opts = { cwd: dir, maxBuffer: 16 * 1024 * 1024 };
  if (manager === 'npm')
    await execFileAsync(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      opts,
    );
  if (manager === 'yarn') {
    await execFileAsync(
      'npx',
      ['-y', YARN, 'install', '--ignore-scripts', '--ignore-engines', '--non-interactive'],
      opts,
    );
    await rm(path.join(dir, 'node_modules'), { recursive: true, force: true });
  }
  if (manager === 'pnpm') await execFileAsync('npx', ['-y', PNPM, 'install', '--lockfile-only'], opts);
}

/** One build of a fresh copy of `app`: wall time and the buildpack's step timings (ms). */
async function buildOnce(
  app: string,
  cache: string,
  shared: string,
): Promise<{ ms: number; steps: Map<string, number> }> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-nodejs-run-'));
  try {
    const build = path.join(scratch, 'app');
    await cp(app, build, { recursive: true });
    await mkdir(path.join(scratch, 'env'));
    await mkdir(path.join(scratch, 'home'));
    const started = performance.now();
    const child = spawn(
      path.join(buildpacksDir, '_runner/build'),
      [build, cache, path.join(scratch, 'env'), buildpacksDir, path.join(scratch, 'release.yml')],
      {
        cwd: build,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: path.join(scratch, 'home'),
          STACK: 'bookworm',
          LANG: 'C.UTF-8',
          SHARED_CACHE_DIR: shared,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`build failed (${code}):\n${text.split('\n').slice(-15).join('\n')}`);
    const steps = new Map<string, number>();
    const timings = text.slice(text.indexOf('-----> Build step timings'));
    for (const m of timings.matchAll(/^ {7}(.+?) +(\d+)\.(\d\d)s$/gm)) {
      if (m[1] !== 'Total') steps.set(m[1]!, Number(m[2]) * 1000 + Number(m[3]) * 10);
    }
    return { ms, steps };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function benchNodejsBuilds(report: Report, options: NodejsBuildOptions): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-nodejs-'));
  try {
    for (const manager of ['npm', 'yarn', 'pnpm'] as const) {
      const app = path.join(root, `app-${manager}`);
      options.log(`nodejs build (${manager}): making the app and its lockfile`);
      await makeApp(app, manager);
      const samples: Record<
        'cold' | 'new app' | 'warm',
        Array<{ ms: number; steps: Map<string, number> }>
      > = {
        cold: [],
        'new app': [],
        warm: [],
      };
      for (let i = 0; i < options.coldReps; i++) {
        const shared = path.join(root, `shared-${manager}-${i}`);
        options.log(`nodejs build (${manager}): cold ${i + 1}/${options.coldReps}`);
        samples.cold.push(await buildOnce(app, path.join(root, `cache-${manager}-cold-${i}`), shared));
        options.log(`nodejs build (${manager}): new app, shared cache warm ${i + 1}/${options.coldReps}`);
        const cache = path.join(root, `cache-${manager}-new-${i}`);
        samples['new app'].push(await buildOnce(app, cache, shared));
        for (let j = 0; j < options.warmReps; j++) {
          options.log(`nodejs build (${manager}): warm ${j + 1}/${options.warmReps}`);
          samples.warm.push(await buildOnce(app, cache, shared));
        }
        await rm(shared, { recursive: true, force: true });
      }
      for (const [kind, runs] of Object.entries(samples)) {
        const label = kind === 'new app' ? 'new app, shared cache warm' : kind;
        report.add({
          bench: `Node.js build, 39 packages: ${label} (${manager})`,
          runtime: 'host',
          unit: 'ms',
          values: runs.map((r) => r.ms),
        });
        const names = [...new Set(runs.flatMap((r) => [...r.steps.keys()]))];
        report.breakdown({
          title: `Node.js build steps, ${label} (${manager})`,
          stages: names.map((name) => ({ name, values: runs.map((r) => r.steps.get(name) ?? 0) })),
          note: 'from the buildpack’s own timings; the rest of the wall time is detect, reading package.json and process start-up',
        });
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
