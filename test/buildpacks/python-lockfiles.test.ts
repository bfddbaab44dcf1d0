import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPythonIndex, type PythonIndex } from '../support/python-index.ts';
import { repoRoot, runIn, runRunner, writeApp } from './runner-helpers.ts';

/**
 * The python buildpack's lock files (Pipfile.lock, poetry.lock: exact pins with hashes, no Pipenv or Poetry on the
 * stack), its package-manager rules, and Django's collectstatic — real builds with the buildpack runner, real pip
 * against the test's own package index (whose `django` is a stand-in that knows collectstatic, not Django).
 */
const BUILD_TIMEOUT = 180_000;
let tmp: string;
let index: PythonIndex;
let config: Record<string, string>;

const build = async (files: Record<string, string>, extra: Record<string, string> = {}) => {
  const app = await writeApp(tmp, files);
  // One cache for every build: the seeded virtualenv is copied from it, so builds do not share installed packages.
  const run = await runRunner(app, path.join(tmp, 'cache'), { config: { ...config, ...extra } });
  return { app, ...run };
};
const expectFailure = (run: { code: number | null; text: string }, ...messages: string[]) => {
  expect(run.code, run.text).toBe(1);
  for (const message of messages) expect(run.text).toContain(` !     ${message}`);
  expect(run.text).toContain(' !     Push rejected, failed to compile Python app.');
  expect(run.text).not.toContain('Successfully installed');
};

/** A Pipfile and the Pipfile.lock Pipenv would write for it, its hashes those of the index's wheels. */
const PIPFILE = '[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n[packages]\ntidewords = "==1.0.0"\n\n[dev-packages]\ntinywsgi = "*"\n';
async function pipfileLock(pipfile: string, tidewordsHash = index.sha256.tidewords): Promise<string> {
  const dir = await writeApp(tmp, { Pipfile: pipfile });
  const hash = await runIn(dir, `python3 -B -c 'import sys, tomllib; sys.path.insert(0, "${repoRoot}/buildpacks/python/lib"); import lockfile; print(lockfile.pipfile_hash(tomllib.load(open("Pipfile", "rb"))))'`);
  expect(hash.code, hash.output).toBe(0);
  return JSON.stringify({
    _meta: { hash: { sha256: hash.output.trim() }, 'pipfile-spec': 6, requires: {}, sources: [{ name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true }] },
    default: { tidewords: { hashes: [`sha256:${tidewordsHash}`], index: 'pypi', version: '==1.0.0' } },
    develop: { tinywsgi: { hashes: [`sha256:${index.sha256.tinywsgi}`], version: '==0.1.0' } },
  }, null, 4);
}

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'python-locks-'));
  index = await startPythonIndex(path.join(tmp, 'index'));
  config = { PIP_INDEX_URL: `${index.url}/simple/` };
}, 120_000);
afterAll(async () => {
  await index?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('python buildpack: Pipfile.lock', () => {
  it('installs exactly the locked [packages] with their hashes, and no dev-packages', async () => {
    const run = await build({ Pipfile: PIPFILE, 'Pipfile.lock': await pipfileLock(PIPFILE) });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain('-----> Installing 1 locked package from Pipfile.lock');
    expect(run.text).toMatch(/Successfully installed tidewords-1\.0\.0\n/);
    expect(run.text).not.toContain(index.url);
    const list = await runIn(run.app, 'pip list --format=freeze');
    expect(list.output).toContain('tidewords==1.0.0');
    expect(list.output).not.toContain('tinywsgi');
  }, BUILD_TIMEOUT);

  it('fails on a file whose hash the lock does not name (pip --require-hashes)', async () => {
    const run = await build({ Pipfile: PIPFILE, 'Pipfile.lock': await pipfileLock(PIPFILE, 'a'.repeat(64)) });
    expectFailure(run, 'pip could not install Pipfile.lock');
    expect(run.text).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
  }, BUILD_TIMEOUT);

  it('fails on a Pipfile changed since the lock was written, and on a lock that is not JSON', async () => {
    const stale = await build({ Pipfile: PIPFILE.replace('==1.0.0', '>=1.0'), 'Pipfile.lock': await pipfileLock(PIPFILE) });
    expectFailure(stale, 'Pipfile.lock is out of date: it was not written for this Pipfile (its _meta.hash differs).', 'Run `pipenv lock` and commit Pipfile.lock.');
    const corrupt = await build({ Pipfile: PIPFILE, 'Pipfile.lock': (await pipfileLock(PIPFILE)).slice(0, 200) });
    expect(corrupt.text).toMatch(/ ! {5}Pipfile\.lock cannot be parsed: /);
    expectFailure(corrupt);
  }, BUILD_TIMEOUT);
});

const PYPROJECT = [
  '[tool.poetry]', 'name = "berths"', 'version = "0.1.0"', 'description = ""', 'authors = ["Harbour Office <office@example.invalid>"]', '',
  '[tool.poetry.dependencies]', 'python = "^3.11"', 'tidewords = "1.0.0"', '',
  '[tool.poetry.group.dev.dependencies]', 'tinywsgi = "*"', '',
].join('\n');
async function poetryLock(pyproject: string, contentHashOf = pyproject): Promise<string> {
  const dir = await writeApp(tmp, { 'pyproject.toml': contentHashOf });
  const hash = await runIn(dir, `python3 -B -c 'import sys, tomllib; sys.path.insert(0, "${repoRoot}/buildpacks/python/lib"); import lockfile; print(sorted(lockfile.content_hashes(tomllib.load(open("pyproject.toml", "rb"))))[0])'`);
  expect(hash.code, hash.output).toBe(0);
  const pkg = (name: string, version: string, group: string) =>
    `[[package]]\nname = "${name}"\nversion = "${version}"\ndescription = ""\noptional = false\npython-versions = "*"\ngroups = ["${group}"]\nfiles = [\n    {file = "${index.wheels[name]}", hash = "sha256:${index.sha256[name]}"},\n]\n`;
  return `${pkg('tidewords', '1.0.0', 'main')}\n${pkg('tinywsgi', '0.1.0', 'dev')}\n[metadata]\nlock-version = "2.1"\npython-versions = "^3.11"\ncontent-hash = "${hash.output.trim()}"\n`;
}


/** A uv project depending on tidewords, and the uv.lock uv would write for it (hashes of the index's wheels). */
const UV_PYPROJECT = '[project]\nname = "berths-uv"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["tidewords==1.0.0"]\n\n[dependency-groups]\ndev = ["tinywsgi"]\n';
const uvLock = () => {
  const entry = (name: string, version: string) =>
    `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "https://pypi.org/simple" }\nwheels = [\n    { url = "https://files.example/${index.wheels[name]}", hash = "sha256:${index.sha256[name]}", size = 1 },\n]\n`;
  return [
    'version = 1\nrevision = 2\nrequires-python = ">=3.11"\n',
    '[[package]]\nname = "berths-uv"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [\n    { name = "tidewords" },\n]\n',
    '[package.dev-dependencies]\ndev = [\n    { name = "tinywsgi" },\n]\n',
    '[package.metadata]\nrequires-dist = [{ name = "tidewords", specifier = "==1.0.0" }]\n',
    '[package.metadata.requires-dev]\ndev = [{ name = "tinywsgi" }]\n',
    entry('tidewords', '1.0.0'),
    entry('tinywsgi', '0.1.0'),
  ].join('\n');
};

describe('python buildpack: uv.lock', () => {
  it("installs the project's locked dependencies with their hashes, without the dev group (no uv needed)", async () => {
    const run = await build({ 'pyproject.toml': UV_PYPROJECT, 'uv.lock': uvLock() });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain('-----> Installing 1 locked package from uv.lock');
    expect(run.text).toMatch(/Successfully installed tidewords-1\.0\.0\n/);
    expect(run.text).not.toContain('Installing the project itself');
    const list = await runIn(run.app, 'pip list --format=freeze');
    expect(list.output).toContain('tidewords==1.0.0');
    expect(list.output).not.toContain('tinywsgi');
  }, BUILD_TIMEOUT);

  it('fails on a uv.lock out of date with pyproject.toml, naming the way out', async () => {
    const stale = await build({ 'pyproject.toml': UV_PYPROJECT.replace('tidewords==1.0.0', 'tidewords>=1.0'), 'uv.lock': uvLock() });
    expectFailure(stale, "uv.lock is out of date: pyproject.toml's dependencies changed since it was written.", 'Run `uv lock` and commit uv.lock.');
  }, BUILD_TIMEOUT);
});

describe('python buildpack: poetry.lock', () => {
  it('installs the locked main group, then the project itself when it is a package', async () => {
    // An in-tree PEP 517 backend (backend-path) that needs nothing from the index, so pip builds the project here.
    const backend = [
      'import base64, hashlib, os, zipfile',
      'def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):',
      '    name = "berths-0.1.0-py3-none-any.whl"',
      '    files = {"berths.py": b"NAME = \'berths\'\\n", "berths-0.1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: berths\\nVersion: 0.1.0\\n",',
      '             "berths-0.1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}',
      '    record = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b\'=\').decode()},{len(d)}\\n" for p, d in files.items())',
      '    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as whl:',
      '        for p, d in files.items():',
      '            whl.writestr(p, d)',
      '        whl.writestr("berths-0.1.0.dist-info/RECORD", record + "berths-0.1.0.dist-info/RECORD,,\\n")',
      '    return name',
      '',
    ].join('\n');
    const pyproject = `${PYPROJECT}\n[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n`;
    const run = await build({ 'pyproject.toml': pyproject, 'poetry.lock': await poetryLock(pyproject), '_build/backend.py': backend });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain('-----> Installing 1 locked package from poetry.lock');
    expect(run.text).toMatch(/Successfully installed tidewords-1\.0\.0\n/);
    expect(run.text).toContain('-----> Installing the project itself (pip install --no-deps .)');
    const list = await runIn(run.app, 'pip list --format=freeze && python -c "import berths; print(berths.NAME)"');
    expect(list.code, list.output).toBe(0);
    expect(list.output).toContain('berths==0.1.0');
    expect(list.output).not.toContain('tinywsgi');

    // package-mode = false: only the dependencies, even with a [build-system].
    const appOnly = pyproject.replace('authors = [', 'package-mode = false\nauthors = [');
    const again = await build({ 'pyproject.toml': appOnly, 'poetry.lock': await poetryLock(appOnly) });
    expect(again.code, again.text).toBe(0);
    expect(again.text).not.toContain('Installing the project itself');
  }, BUILD_TIMEOUT);

  it('fails on a poetry.lock out of date with pyproject.toml, and on a Poetry project without poetry.lock', async () => {
    const stale = await build({ 'pyproject.toml': PYPROJECT.replace('tidewords = "1.0.0"', 'tidewords = "1.0.0"\ntinywsgi = "*"'), 'poetry.lock': await poetryLock(PYPROJECT) });
    expectFailure(stale, 'poetry.lock is out of date: pyproject.toml changed since it was written (its content-hash differs).', 'Run `poetry lock` and commit poetry.lock.');
    const unlocked = await build({ 'pyproject.toml': PYPROJECT });
    expectFailure(unlocked, "pyproject.toml is a Poetry project, but there is no poetry.lock: the versions of its dependencies are not pinned.");
  }, BUILD_TIMEOUT);

  it('refuses two package manager files, as Heroku does', async () => {
    const run = await build({ 'pyproject.toml': PYPROJECT, 'poetry.lock': await poetryLock(PYPROJECT), 'requirements.txt': 'tidewords==1.0.0\n' });
    expectFailure(run, 'Several Python package manager files were found; exactly one must decide what is installed:', '  requirements.txt (pip)', '  poetry.lock (Poetry)');
  }, BUILD_TIMEOUT);

  it('the corpus lock files name the hashes of the wheels this index builds (reproducible wheels)', async () => {
    const pipenv = await fsp.readFile(path.join(repoRoot, 'test/corpus/python-pipenv/Pipfile.lock'), 'utf8');
    const poetry = await fsp.readFile(path.join(repoRoot, 'test/corpus/python-poetry/poetry.lock'), 'utf8');
    for (const name of ['tidewords', 'tinywsgi']) {
      expect(pipenv, `${name}: regenerate the corpus lock files`).toContain(`sha256:${index.sha256[name]}`);
      expect(poetry, `${name}: regenerate the corpus lock files`).toContain(`sha256:${index.sha256[name]}`);
    }
  });
});

describe('python buildpack: Django collectstatic', () => {
  const DJANGO_APP = {
    'requirements.txt': 'django==0.1.0\n',
    'manage.py': 'import os, sys\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_conf.settings")\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
    'site_conf/__init__.py': '',
    'site_conf/settings.py': [
      'import os',
      'from pathlib import Path',
      'print("SECRET_KEY at build:", os.environ.get("SECRET_KEY", "absent"))',
      'BASE = Path(__file__).resolve().parent.parent',
      'STATIC_ROOT = BASE / "staticfiles"',
      'STATICFILES_DIRS = [BASE / "assets"]',
      '',
    ].join('\n'),
    'assets/app.css': 'body { margin: 0 }\n',
    'assets/img/logo.txt': 'logo\n',
  };

  it('runs manage.py collectstatic when Django is installed; the collected files are in the slug', async () => {
    const run = await build(DJANGO_APP, { SECRET_KEY: 'do-not-pass-me' });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain('-----> $ python manage.py collectstatic --noinput');
    // Only DISABLE_COLLECTSTATIC is read from the config: the app's other config vars never reach the build.
    expect(run.text).toContain('       SECRET_KEY at build: absent');
    expect(run.text).not.toContain('do-not-pass-me');
    expect(run.text).toContain(`       2 static files copied to '${path.join(run.app, 'staticfiles')}'.`);
    expect(await fsp.readFile(path.join(run.app, 'staticfiles/img/logo.txt'), 'utf8')).toBe('logo\n');
  }, BUILD_TIMEOUT);

  it('skips it with DISABLE_COLLECTSTATIC=1, and fails the build with the hint when it fails', async () => {
    const skipped = await build(DJANGO_APP, { DISABLE_COLLECTSTATIC: '1' });
    expect(skipped.code, skipped.text).toBe(0);
    expect(skipped.text).toContain('-----> Skipping Django collectstatic since the config var DISABLE_COLLECTSTATIC is set.');
    await expect(fsp.stat(path.join(skipped.app, 'staticfiles'))).rejects.toThrow();

    const broken = await build({ ...DJANGO_APP, 'site_conf/settings.py': 'STATICFILES_DIRS = ["assets"]\n' });
    expect(broken.code, broken.text).toBe(1);
    expect(broken.text).toContain("django.core.exceptions.ImproperlyConfigured: You're using the staticfiles app without having set the STATIC_ROOT setting");
    expect(broken.text).toContain(" !     Unable to generate Django static files: 'python manage.py collectstatic --noinput' failed (exit 1).");
    expect(broken.text).toContain(' !     Or turn collectstatic off for this app: platform config:set DISABLE_COLLECTSTATIC=1');
  }, BUILD_TIMEOUT);
});
