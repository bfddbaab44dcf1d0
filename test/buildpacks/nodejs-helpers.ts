/**
 * Runs the real buildpack runner (`buildpacks/_runner/build`) on small apps in temp dirs, the way builder-local does
 * (a bare environment, no config in it), with real registry downloads. Node.js releases go to a shared cache that
 * outlives the run (`SHARED_CACHE_DIR`), so each release is downloaded once per machine.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const buildpacksDir = path.join(repoRoot, 'buildpacks');
export const sharedCacheDir = path.join(os.tmpdir(), 'platform-test-shared-cache');
/** A build that downloads Node.js on a loaded two-core machine. */
export const BUILD_TIMEOUT = 400_000;

export interface BuildpackRun {
  code: number | null;
  lines: string[];
  text: string;
}

/** Runs the buildpacks on `app` with `cache` as CACHE_DIR and `config` as ENV_DIR files. */
export async function runBuildpacks(app: string, cache: string, config: Record<string, string> = {}): Promise<BuildpackRun> {
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'nodejs-bp-run-'));
  const env = path.join(scratch, 'env');
  await fsp.mkdir(env);
  await fsp.mkdir(path.join(scratch, 'home'));
  for (const [key, value] of Object.entries(config)) await fsp.writeFile(path.join(env, key), value);
  try {
    const child = spawn(path.join(buildpacksDir, '_runner/build'), [app, cache, env, buildpacksDir, path.join(scratch, 'release.yml')], {
      cwd: app,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: path.join(scratch, 'home'),
        STACK: 'bookworm',
        LANG: 'C.UTF-8',
        SHARED_CACHE_DIR: sharedCacheDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, text, lines: text.split('\n') };
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}

/** Writes `files` into a new dir under `parent`. */
export async function appDir(parent: string, files: Record<string, string>): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(parent, 'app-'));
  for (const [name, body] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fsp.writeFile(path.join(dir, name), body);
  }
  return dir;
}

export type Manager = 'npm' | 'yarn' | 'berry' | 'pnpm';
const fixtureDir = path.join(repoRoot, 'test/fixtures/nodejs-pm-app');
/** What package.json declares besides the lockfile, per manager. */
const DECLARED: Record<Manager, string | undefined> = { npm: undefined, yarn: undefined, berry: 'yarn@4.18.1', pnpm: 'pnpm@9.15.9' };

/** The nodejs-pm-app fixture with `manager`'s lockfile (and packageManager where the manager needs one). */
export async function pmApp(parent: string, manager: Manager): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(parent, `${manager}-`));
  await fsp.cp(fixtureDir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}lockfiles`) });
  await fsp.cp(path.join(fixtureDir, 'lockfiles', manager), dir, { recursive: true });
  const declared = DECLARED[manager];
  if (declared) {
    const pkg = JSON.parse(await fsp.readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    pkg.packageManager = declared;
    await fsp.writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  }
  return dir;
}

/** A fresh copy of `src` (the build dir is changed by a build; each build starts from the pushed tree). */
export async function copyOf(src: string): Promise<string> {
  const dir = `${src}-${Math.random().toString(36).slice(2, 8)}`;
  await fsp.cp(src, dir, { recursive: true });
  return dir;
}

/** Runs `script` in bash as a dyno would start: from the app dir, HOME=app, `.profile.d/*.sh` sourced first. */
export async function inDyno(app: string, script: string, config: Record<string, string> = {}): Promise<string> {
  const child = spawn('bash', ['-c', `cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done\n${script}`], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: app, ...config },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`dyno script exited ${code}: ${out}`);
  return out;
}

/** The `event dev=… node=… env=…` lines the fixture's lifecycle scripts appended during the build. */
export async function buildEvents(app: string): Promise<string[]> {
  const text = await fsp.readFile(path.join(app, 'build-events.log'), 'utf8').catch(() => '');
  return text.trim().split('\n').filter(Boolean);
}
