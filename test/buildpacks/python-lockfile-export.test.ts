import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_PYTHON } from '../support/python-index.ts';
import { repoRoot, writeApp } from './runner-helpers.ts';

/**
 * buildpacks/python/lib/lockfile.py on its own, table by table: which lock entries become which pins (markers,
 * extras, optional dependencies, Poetry's old lock layout) and which entries it refuses. The builds that install
 * the result with pip are in python-lockfiles.test.ts.
 */
const execFileAsync = promisify(execFile);
const SCRIPT = path.join(repoRoot, 'buildpacks/python/lib/lockfile.py');
const H = (c: string) => `sha256:${c.repeat(64)}`;
let tmp: string;

async function exportLock(kind: 'pipenv' | 'poetry' | 'uv' | 'uv-package', files: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const app = await writeApp(tmp, files);
  try {
    const r = await execFileAsync(STACK_PYTHON, ['-B', SCRIPT, kind, app], { env: { PATH: '/usr/bin:/bin' } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** A Pipfile.lock without a Pipfile beside it (its hash is then not checked) with these `default` entries. */
const pipenvLock = (entries: Record<string, unknown>) => ({ 'Pipfile.lock': JSON.stringify({ _meta: { hash: { sha256: 'x' } }, default: entries, develop: {} }) });

/** A pyproject.toml and a poetry.lock whose content-hash is computed by lockfile.py itself (first of its values). */
async function poetryApp(pyproject: string, lockBody: string): Promise<Record<string, string>> {
  const dir = await writeApp(tmp, { 'pyproject.toml': pyproject });
  const code = `import sys, tomllib; sys.path.insert(0, ${JSON.stringify(path.dirname(SCRIPT))}); import lockfile; print(sorted(lockfile.content_hashes(tomllib.load(open(sys.argv[1], "rb"))))[0])`;
  const { stdout } = await execFileAsync(STACK_PYTHON, ['-B', '-c', code, path.join(dir, 'pyproject.toml')]);
  return { 'pyproject.toml': pyproject, 'poetry.lock': `${lockBody}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "${stdout.trim()}"\n` };
}
const pkg = (name: string, version: string, extra = '') =>
  `[[package]]\nname = "${name}"\nversion = "${version}"\noptional = false\npython-versions = "*"\nfiles = [{file = "${name}-${version}.tar.gz", hash = "${H(name[0]!)}"}]\n${extra}\n`;

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'lockfile-export-'));
});
afterAll(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('lockfile.py pipenv', () => {
  it('pins each default entry with all its hashes and extras, and leaves out entries whose marker is false here', async () => {
    const r = await exportLock('pipenv', pipenvLock({
      alpha: { version: '==1.0', hashes: [H('b'), H('a')], markers: "python_version >= '3.8'" },
      colorama: { version: '==0.4.6', hashes: [H('c')], markers: "sys_platform == 'win32'" },
      uvicorn: { version: '==0.30.0', hashes: [H('d')], extras: ['standard'] },
    }));
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toEqual([`alpha==1.0 --hash=${H('a')} --hash=${H('b')}`, `uvicorn[standard]==0.30.0 --hash=${H('d')}`]);
  });

  it.each([
    [{ gadget: { git: 'https://example.invalid/gadget.git', ref: 'abc' } }, 'gadget is a `git` dependency in Pipfile.lock'],
    [{ app: { path: '.', editable: true } }, 'app is a `path` dependency in Pipfile.lock'],
    [{ loose: { version: '>=1', hashes: [H('e')] } }, 'Pipfile.lock pins no exact version for loose (>=1).'],
    [{ bare: { version: '==1.0' } }, 'bare 1.0 has no hashes in the lock file, so its files cannot be verified.'],
  ])('refuses %j', async (entries, message) => {
    const r = await exportLock('pipenv', pipenvLock(entries));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it('refuses a lock without a default section', async () => {
    const r = await exportLock('pipenv', { 'Pipfile.lock': '{"_meta": {}}' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('Pipfile.lock has no `default` section');
  });
});

describe('lockfile.py poetry', () => {
  const PYPROJECT = '[tool.poetry]\nname = "x"\nversion = "0"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nweb = { version = "1.0", extras = ["fast"] }\nplugin = { version = "*", optional = true }\n';

  it('walks the main group from pyproject: markers, optional dependencies only for requested extras', async () => {
    const lock = [
      pkg('web', '1.0', '[package.dependencies]\ncore = ">=1"\nwinonly = { version = "*", markers = "sys_platform == \\"win32\\"" }\nspeedup = { version = "*", optional = true }\nunused = { version = "*", optional = true }\n\n[package.extras]\nfast = ["speedup (>=1)"]\n'),
      pkg('core', '2.0'), pkg('winonly', '1.0'), pkg('speedup', '3.0'), pkg('unused', '1.0'), pkg('plugin', '1.0'), pkg('devtool', '9.0'),
    ].join('\n');
    const r = await exportLock('poetry', await poetryApp(PYPROJECT, lock));
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['core==2.0', 'speedup==3.0', 'web==1.0']);
  });

  it('ends on dependency cycles and diamonds (each package walked once)', async () => {
    // 40 packages, each depending on the next two (a diamond at every step) and the last on the first (a cycle).
    const n = 40;
    const lock = Array.from({ length: n }, (_, i) => pkg(`p${i}`, '1.0', `[package.dependencies]\np${(i + 1) % n} = "*"\np${(i + 2) % n} = "*"\n`)).join('\n');
    const r = await exportLock('poetry', await poetryApp('[tool.poetry]\nname = "x"\nversion = "0"\n\n[tool.poetry.dependencies]\np0 = "*"\n', lock));
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toHaveLength(n);
  });

  it('reads the hashes of an old lock (lock-version 1.1: [metadata.files]) and [project].dependencies', async () => {
    const pyproject = '[project]\nname = "x"\nversion = "0"\ndependencies = ["Core_Lib (>=1)", "winonly ; sys_platform == \'win32\'"]\n';
    const packages = '[[package]]\nname = "core-lib"\nversion = "2.0"\noptional = false\npython-versions = "*"\n\n[[package]]\nname = "winonly"\nversion = "1.0"\noptional = false\npython-versions = "*"\n';
    const app = await poetryApp(pyproject, packages);
    // Poetry 1.1 kept every package's hashes in [metadata.files], after [metadata].
    app['poetry.lock'] = `${app['poetry.lock']!.replace('lock-version = "2.0"', 'lock-version = "1.1"')}\n[metadata.files]\ncore-lib = [{file = "core_lib-2.0.tar.gz", hash = "${H('f')}"}]\nwinonly = []\n`;
    const r = await exportLock('poetry', app);
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe(`core-lib==2.0 --hash=${H('f')}`);
  });

  it.each([
    ['a main dependency missing from the lock', '', 'web (a main dependency in pyproject.toml) has no entry in poetry.lock.'],
    ['a dependency of a dependency missing from the lock', pkg('web', '1.0', '[package.dependencies]\ncore = "*"\n'), 'core (needed by web) has no entry in poetry.lock.'],
    ['a git source', pkg('web', '1.0', '[package.source]\ntype = "git"\nurl = "https://example.invalid/web.git"\nreference = "main"\n'), 'web comes from a `git` source in poetry.lock'],
  ])('refuses %s', async (_what, lock, message) => {
    const r = await exportLock('poetry', await poetryApp(PYPROJECT, lock));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it('refuses a lock that does not parse', async () => {
    const r = await exportLock('poetry', { 'pyproject.toml': PYPROJECT, 'poetry.lock': '[[package]\nname = ' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^poetry\.lock cannot be parsed: /);
  });
});

/** A uv project: pyproject.toml with these dependencies, and a uv.lock whose root entry records them. */
const uvProject = (deps: string[]) => `[project]\nname = "harbour-api"\nversion = "0.1.0"\ndependencies = ${JSON.stringify(deps)}\n\n[dependency-groups]\ndev = ["tinywsgi"]\n`;
const uvEntry = (name: string, version: string, extra = '') =>
  `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "https://pypi.org/simple" }\n${extra}wheels = [{ url = "https://files.example/${name}-${version}-py3-none-any.whl", hash = "${H(name[0]!)}", size = 1 }]\n\n`;
const UV_ROOT = [
  'version = 1', 'revision = 2', 'requires-python = ">=3.11"', '',
  '[[package]]', 'name = "harbour-api"', 'version = "0.1.0"', 'source = { virtual = "." }',
  'dependencies = [{ name = "tidewords" }, { name = "web", extra = ["fast"] }, { name = "winonly", marker = "sys_platform == \'win32\'" }]', '',
  '[package.dev-dependencies]', 'dev = [{ name = "tinywsgi" }]', '',
  '[package.metadata]',
  'requires-dist = [{ name = "tidewords", specifier = "==1.0.0" }, { name = "web", extras = ["fast"], specifier = ">=1.0" }, { name = "winonly", marker = "sys_platform == \'win32\'" }]', '',
].join('\n');
const UV_DEPS = ['tidewords==1.0.0', 'web[fast] >= 1.0', 'winonly; sys_platform == "win32"'];
const UV_PACKAGES = [
  uvEntry('tidewords', '1.0.0'),
  uvEntry('tinywsgi', '0.1.0'),
  uvEntry('web', '1.2.0', 'dependencies = [{ name = "core" }]\nsdist = { url = "https://files.example/web-1.2.0.tar.gz", hash = "sha256:' + '9'.repeat(64) + '", size = 1 }\n'),
  '[package.optional-dependencies]\nfast = [{ name = "speedup" }]\n\n',
  uvEntry('core', '2.0'),
  uvEntry('speedup', '3.0'),
  uvEntry('winonly', '1.0'),
].join('');

describe('lockfile.py uv', () => {
  it("pins the project's dependencies with their extras' and their own, every hash (sdist and wheels), no dev group and no false marker", async () => {
    const r = await exportLock('uv', { 'pyproject.toml': uvProject(UV_DEPS), 'uv.lock': `${UV_ROOT}\n${UV_PACKAGES}` });
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toEqual([
      `core==2.0 --hash=${H('c')}`,
      `speedup==3.0 --hash=${H('s')}`,
      `tidewords==1.0.0 --hash=${H('t')}`,
      `web==1.2.0 --hash=sha256:${'9'.repeat(64)} --hash=${H('w')}`,
    ]);
    // `virtual`: the project is only its dependencies; `editable`: it is a package pip installs too.
    expect((await exportLock('uv-package', { 'pyproject.toml': uvProject(UV_DEPS), 'uv.lock': `${UV_ROOT}\n${UV_PACKAGES}` })).code).toBe(1);
    const editable = `${UV_ROOT.replace('source = { virtual = "." }', 'source = { editable = "." }')}\n${UV_PACKAGES}`;
    expect((await exportLock('uv-package', { 'pyproject.toml': uvProject(UV_DEPS), 'uv.lock': editable })).code).toBe(0);
  });

  it.each([
    ['a lock written for other dependencies', uvProject(['tidewords==1.0.1', ...UV_DEPS.slice(1)]), `${UV_ROOT}\n${UV_PACKAGES}`, 'uv.lock is out of date: pyproject.toml\'s dependencies changed since it was written.'],
    ['a lock without the project', uvProject(UV_DEPS).replace('harbour-api', 'other-app'), `${UV_ROOT}\n${UV_PACKAGES}`, 'uv.lock has no entry for this project (other-app).'],
    ['a dependency missing from the lock', uvProject(UV_DEPS), `${UV_ROOT}\n${UV_PACKAGES.replace(uvEntry('core', '2.0'), '')}`, 'core (needed by web) has no entry in uv.lock.'],
    ['a git source', uvProject(UV_DEPS), `${UV_ROOT}\n${UV_PACKAGES.replace('name = "core"\nversion = "2.0"\nsource = { registry = "https://pypi.org/simple" }', 'name = "core"\nversion = "2.0"\nsource = { git = "https://example.invalid/core.git" }')}`, 'core comes from a `git` source in uv.lock'],
    ['a lock that is not uv\'s', uvProject(UV_DEPS), '[tool]\nx = 1\n', 'uv.lock has no version and no [[package]] list'],
  ])('refuses %s', async (_what, pyproject, lock, message) => {
    const r = await exportLock('uv', { 'pyproject.toml': pyproject, 'uv.lock': lock });
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
