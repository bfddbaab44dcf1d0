import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPythonIndex, type PythonIndex } from '../support/python-index.ts';
import { repoRoot, runIn, runRunner, startWeb } from './runner-helpers.ts';

const BUILD_TIMEOUT = 180_000;
let tmp: string;
let index: PythonIndex;

/** A copy of test/fixtures/python-app under the test's temp dir, with `changes` applied (null deletes). */
async function pythonApp(changes: Record<string, string | null> = {}): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(tmp, 'app-'));
  await fsp.cp(path.join(repoRoot, 'test/fixtures/python-app'), dir, { recursive: true });
  for (const [name, body] of Object.entries(changes)) {
    if (body === null) await fsp.rm(path.join(dir, name), { force: true });
    else await fsp.writeFile(path.join(dir, name), body);
  }
  return dir;
}

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'python-bp-'));
  index = await startPythonIndex(path.join(tmp, 'index'));
}, 120_000);
afterAll(async () => {
  await index?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('python buildpack', () => {
  it('installs requirements.txt from the configured index into a virtualenv that still runs after the slug moves', async () => {
    const app = await pythonApp();
    const cache = path.join(tmp, 'cache-main');
    const config = { PIP_INDEX_URL: `${index.url}/simple/`, DATABASE_PASSWORD: 'do-not-print-me' };
    const built = await runRunner(app, cache, { config });
    expect(built.code, built.text).toBe(0);
    expect(built.lines).toContain('-----> Python app detected');
    expect(built.text).toMatch(/Using Python 3\.11\.\d+ \(the stack's\)/);
    expect(built.text).toContain('.python-version asks for 3.11: met');
    expect(built.text).toMatch(/Successfully installed tidewords-1\.0\.0 tinywsgi-0\.1\.0/);
    expect(built.text).not.toContain(index.url); // config values stay out of the build output
    expect(built.text).not.toContain('do-not-print-me');
    expect(built.release).toMatch(/\{\}/);

    // The slug runs from another directory than it was built in (process mode: a dyno dir; docker: /app).
    const moved = path.join(tmp, 'moved-app');
    await fsp.rename(app, moved);
    const store = path.join(tmp, 'migrations');
    await fsp.mkdir(store);
    const migrate = await runIn(moved, 'python manage.py migrate && command -v python && pip --version', { MIGRATION_STORE: store });
    expect(migrate.code, migrate.output).toBe(0);
    expect(migrate.output).toContain("Applying tides.0001_initial... OK (low water, the slug's virtualenv)");
    expect(migrate.output).toContain(path.join(moved, '.heroku/python/bin/python'));
    expect(migrate.output).toMatch(/^pip 23\.\d+(\.\d+)? from .*moved-app\/\.heroku\/python\//m);
    const web = await startWeb(moved, 'tinywsgi app:application --bind 127.0.0.1:$PORT');
    try {
      const body = (await (await fetch(`${web.url}/`)).json()) as { tide: string; python: string; prefix: string };
      expect(body.tide).toBe('high water');
      expect(body.python).toMatch(/^3\.11\./);
      expect(body.prefix).toBe(path.join(moved, '.heroku/python'));
    } finally {
      await web.stop();
    }

    // A second build: the seeded virtualenv comes from CACHE_DIR (pip's HTTP cache there only keeps HTTPS
    // downloads, so this plain-HTTP index is asked again).
    const again = await runRunner(await pythonApp(), cache, { config });
    expect(again.code, again.text).toBe(0);
    expect(again.text).toContain('       from the build cache');
  }, BUILD_TIMEOUT);

  it('honours PIP_FIND_LINKS: a directory of wheels, with the index switched off in requirements.txt', async () => {
    const app = await pythonApp({ 'requirements.txt': '--no-index\ntidewords==1.0.0\ntinywsgi==0.1.0\n' });
    const built = await runRunner(app, path.join(tmp, 'cache-links'), { config: { PIP_FIND_LINKS: path.join(tmp, 'index', 'packages') } });
    expect(built.code, built.text).toBe(0);
    expect(built.text).toMatch(/Successfully installed tidewords-1\.0\.0 tinywsgi-0\.1\.0/);
    expect(built.text).not.toContain(path.join(tmp, 'index'));
  }, BUILD_TIMEOUT);

  it.each([
    [{ '.python-version': '3.12\n' }, '.python-version asks for Python 3.12, which this platform cannot provide.'],
    [{ '.python-version': null, 'runtime.txt': 'python-3.9.18\n' }, 'runtime.txt asks for Python 3.9.18, which this platform cannot provide.'],
    [{ 'requirements.txt': null, Pipfile: '[packages]\n' }, 'A Pipfile was found, but no Pipfile.lock: the versions of the app\'s dependencies are not pinned.'],
    [{ 'requirements.txt': 'no-such-package==1.0\n' }, 'pip could not install requirements.txt'],
  ])('fails clearly: %j', async (changes, message) => {
    const run = await runRunner(await pythonApp(changes), path.join(tmp, 'cache-bad'), { config: { PIP_INDEX_URL: `${index.url}/simple/` } });
    expect(run.code, run.text).toBe(1);
    expect(run.text).toContain(` !     ${message}`);
    expect(run.text).toContain(' !     Push rejected, failed to compile Python app.');
  }, BUILD_TIMEOUT);
});
