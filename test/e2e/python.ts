/**
 * A Python app end to end (issue 18): requirements.txt installed by the Python buildpack from a real package index
 * the test builds (no PyPI here), a gunicorn-style web process, `python manage.py migrate` as the release phase, a
 * one-off on the same virtualenv; on the process runtime and on the docker runtime. Also: a repository nothing
 * detects is refused with one message naming what was looked for, and `platform buildpacks:*` choose buildpacks.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { servePythonIndexOnBuildNetwork, startPythonIndex, type PythonIndex } from '../support/python-index.ts';

export function describePython(runtime: 'process' | 'docker') {
  describe(`a Python app (${runtime} runtime)`, () => {
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;
    let tmp: string;
    let index: PythonIndex;
    let removeContainer: (() => Promise<void>) | undefined;
    let push = '';
    const app = `py-${runtime}`;
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;

    beforeAll(async () => {
      tmp = await mkdtemp(path.join(tmpdir(), 'platform-python-e2e-'));
      await chmod(tmp, 0o755);
      server = await startServer({ runtime });
      expect(server.runtime).toBe(runtime);
      index = await startPythonIndex(path.join(tmp, 'index'));
      let indexUrl = index.url;
      const config: string[] = [`SECRET_TOKEN=${secret}`];
      if (runtime === 'docker') {
        const c = await servePythonIndexOnBuildNetwork(new Docker(), path.join(tmp, 'index'));
        removeContainer = c.remove;
        indexUrl = c.url;
        config.push(`PIP_TRUSTED_HOST=${c.host}`);
      } else {
        // Process dynos share the host: a directory stands in for the database the migration writes to.
        const store = path.join(tmp, 'migrations');
        await mkdir(store);
        await chmod(store, 0o777);
        config.push(`MIGRATION_STORE=${store}`);
      }
      config.push(`PIP_INDEX_URL=${indexUrl}/simple/`);

      env = await createUserEnv();
      repo = await fixtureRepo('python-app', env);
      for (const args of [
        ['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')],
        ['apps:create', app],
        ['config:set', ...config],
      ]) {
        const r = await platform(args, { cwd: repo, env });
        expect(r.code, `${args[0]}: ${r.stdout}${r.stderr}`).toBe(0);
      }
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
      push = r.stdout + r.stderr;
      expect(r.code, push).toBe(0);
    }, 900_000);

    afterAll(async () => {
      await server?.destroy();
      await removeContainer?.();
      await index?.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('builds with pip from the configured index, never printing a config value, and runs the release phase', () => {
      expect(push).toMatch(/remote: -----> Python app detected/);
      expect(push).toMatch(/remote: +Successfully installed tidewords-1\.0\.0 tinywsgi-0\.1\.0/);
      expect(push).toMatch(/remote: +Procfile declares types +-> web, release/);
      expect(push).toMatch(/Applying tides\.0001_initial\.\.\. OK \(low water, the slug's virtualenv\)/);
      expect(push).not.toContain('/simple/');
      expect(push).not.toContain(secret);
    });

    it('serves the WSGI app from the gunicorn-style web process', async () => {
      const body = await eventually(
        async () => {
          const res = await getViaRouter(server.routerUrl, app, '/');
          return res.status === 200 ? (JSON.parse(res.body) as { tide: string; python: string; prefix: string; migrated: boolean }) : undefined;
        },
        60_000,
        'the app answering',
      );
      expect(body.tide).toBe('high water');
      expect(body.python).toMatch(/^3\.11\./);
      expect(body.prefix).toMatch(/\/\.heroku\/python$/);
      if (runtime === 'process') expect(body.migrated).toBe(true);
    });

    it('runs one-offs in the same virtualenv', async () => {
      const r = await platform(['run', 'python', '-c', 'import tidewords, sys; print(tidewords.describe(0.1), sys.prefix)'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/low water \S*\/\.heroku\/python/);
    });

    it('lets the app choose its buildpacks among the installed ones, and builds with the choice', async () => {
      const bad = await platform(['buildpacks:set', 'cobol'], { cwd: repo, env });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr + bad.stdout).toContain('Buildpack "cobol" is not installed on this platform. Installed buildpacks: nodejs, python, procfile, static');
      const set = await platform(['buildpacks:set', 'python'], { cwd: repo, env });
      expect(set.code, set.stderr).toBe(0);
      const add = await platform(['buildpacks:add', 'procfile'], { cwd: repo, env });
      expect(add.code, add.stderr).toBe(0);
      const list = await platform(['buildpacks'], { cwd: repo, env });
      expect(list.stdout).toMatch(/1\. python\n2\. procfile/);
      await git(repo, env, ['commit', '-q', '--allow-empty', '-m', 'chosen buildpacks']);
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).toMatch(/remote: -----> Using buildpacks: python procfile/);
      expect(out).toMatch(/remote: -----> Python app detected[\s\S]*remote: -----> Procfile app detected/);
      expect(out).toMatch(/remote: +from the build cache/);
      const cleared = await platform(['buildpacks:clear'], { cwd: repo, env });
      expect(cleared.code, cleared.stderr).toBe(0);
      expect((await platform(['buildpacks'], { cwd: repo, env })).stdout).toContain('has no buildpack set');
    });

    it('refuses a repository no buildpack detects with one message naming what was looked for', async () => {
      const other = await fixtureRepo('python-app', env);
      await git(other, env, ['rm', '-q', 'requirements.txt', 'Procfile', 'app.py', 'manage.py', '.python-version']);
      await git(other, env, ['commit', '-q', '--allow-empty', '-m', 'nothing to detect']);
      const created = await platform(['apps:create', `${app}-none`, '--remote', 'none'], { cwd: other, env });
      expect(created.code, created.stderr).toBe(0);
      const r = await run('git', ['push', 'none', 'main'], { cwd: other, env });
      const out = r.stdout + r.stderr;
      expect(r.code).not.toBe(0);
      expect(out.match(/No default language could be detected for this app/g), out).toHaveLength(1);
      for (const item of ['nodejs: package.json', 'python: requirements.txt', 'procfile: Procfile', 'static: index.html']) expect(out).toContain(item);
      const logs = await platform(['logs', '-n', '200', '--app', `${app}-none`], { cwd: other, env });
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.stdout.match(/No default language could be detected for this app/g), logs.stdout).toHaveLength(1);
    });
  });
}
