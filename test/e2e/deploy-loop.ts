import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';

/**
 * The platform's spine, as a newcomer meets it: log in, create an app, `git push platform main`,
 * watch the build stream, get v1, and curl the app through the router. Then the ways it must refuse.
 */
export function describeDeployLoop(runtime: 'process' | 'docker') {
  describe(`deploy loop (${runtime} runtime)`, () => {
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;
    const app = `loop-${runtime}`;

    beforeAll(async () => {
      server = await startServer({ runtime });
      expect(server.runtime).toBe(runtime);
      env = await createUserEnv();
      repo = await fixtureRepo('web-app', env);
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('logs in with the CLI, writing ~/.netrc for both the API and git', async () => {
      const tokenFile = path.join(server.dataDir, 'admin-token');
      const r = await platform(['login', '--server', server.apiUrl, '--token-file', tokenFile], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Logged in as admin@platform\.local/);
      const netrc = await readFile(path.join(env.HOME!, '.netrc'), 'utf8');
      expect(netrc).toContain('machine 127.0.0.1');
      expect(netrc).toContain(server.token);
    });

    it('creates an app and adds the platform git remote', async () => {
      const r = await platform(['apps:create', app], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(app);
      const remote = await git(repo, env, ['remote', 'get-url', 'platform']);
      expect(remote.stdout.trim()).toBe(`${server.apiUrl}/${app}.git`);
    });

    it('git push builds while the push is open, streams the output and releases v1', async () => {
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/remote: -----> .*Procfile app detected/);
      expect(r.stderr).toMatch(/remote: -----> Discovering process types/);
      expect(r.stderr).toMatch(/remote:\s+Released v1/);
      expect(r.stderr).toContain(`remote:        http://${app}.localhost:`);
    });

    it('shows v1 in `platform releases`', async () => {
      const r = await platform(['releases', '--json'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      const releases = JSON.parse(r.stdout) as Array<{ version: number; status: string; description: string; current: boolean }>;
      expect(releases).toHaveLength(1);
      expect(releases[0]).toMatchObject({ version: 1, status: 'succeeded', current: true });
      expect(releases[0]!.description).toMatch(/^Deploy [0-9a-f]{8}$/);
      const text = await platform(['releases'], { cwd: repo, env });
      expect(text.stdout).toMatch(/v1\s+Deploy [0-9a-f]{8}\s+admin@platform\.local/);
    });

    it('serves the app through the router by Host header, with forwarding headers', async () => {
      const res = await getViaRouter(server.routerUrl, app, '/');
      expect(res.status).toBe(200);
      expect(res.body).toContain('hello from web-app');
      const unknown = await getViaRouter(server.routerUrl, 'no-such-app', '/');
      expect(unknown.status).toBe(404);
    });

    it('a failed build rejects the push, creates no release, and the previous release keeps serving', async () => {
      // A package.json makes it a Node.js app (the Procfile-only app's build cannot fail), whose build script fails.
      const pkg = { name: 'web-app', private: true, scripts: { build: 'echo "compiling..." && exit 3' } };
      await commitFile(repo, env, 'package.json', JSON.stringify(pkg, null, 2), 'break the build');
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('compiling...');
      expect(r.stderr).toMatch(/! \[remote rejected\] main -> main \(pre-receive hook declined\)/);
      const releases = await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`);
      expect(releases.json).toHaveLength(1);
      const res = await getViaRouter(server.routerUrl, app, '/');
      expect(res.status).toBe(200);
      expect(res.body).toContain('hello from web-app');
      await git(repo, env, ['reset', '-q', '--hard', 'HEAD~1']);
    });

    it('a malformed Procfile is refused with its line number, and nothing is released', async () => {
      await commitFile(repo, env, 'Procfile', 'web: node server.js\nworker node worker.js\n', 'bad procfile');
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Procfile line 2/);
      expect(r.stderr).toContain('pre-receive hook declined');
      const releases = await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`);
      expect(releases.json).toHaveLength(1);
      await git(repo, env, ['reset', '-q', '--hard', 'HEAD~1']);
    });

    it('a pushed code change goes live as v2', async () => {
      const source = await readFile(path.join(repo, 'server.js'), 'utf8');
      await commitFile(repo, env, 'server.js', source.replace("|| 'hello'", "|| 'hello again'"), 'v2');
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Released v2/);
      const res = await eventually(async () => {
        const x = await getViaRouter(server.routerUrl, app, '/');
        return x.body.includes('hello again') ? x : null;
      }, 10_000, 'v2 to answer');
      expect(res.status).toBe(200);
    });

    it('pushing another branch stores it without deploying', async () => {
      await git(repo, env, ['checkout', '-q', '-b', 'feature']);
      await commitFile(repo, env, 'README.md', 'feature\n', 'feature work');
      const r = await run('git', ['push', 'platform', 'feature'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/accepted without deploying \(only pushes to main or master deploy\)/);
      const releases = await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`);
      expect(releases.json).toHaveLength(2);
      await git(repo, env, ['checkout', '-q', 'main']);
    });

    it('refuses pushes without or with wrong credentials before storing anything', async () => {
      const other = 'loop-noauth';
      expect((await api(server.apiUrl, server.token, 'POST', '/apps', { name: other })).status).toBe(201);
      const strangerEnv = await createUserEnv();
      const url = `${server.apiUrl}/${other}.git`;
      const none = await run('git', ['push', url, 'main'], { cwd: repo, env: strangerEnv });
      expect(none.code).not.toBe(0);
      const wrong = new URL(url);
      wrong.username = 'x';
      wrong.password = 'plt_wrong_token_000000000000000000000000';
      const bad = await run('git', ['push', wrong.toString(), 'main'], { cwd: repo, env: strangerEnv });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/Authentication failed|401/);
      const repoDir = path.join(server.dataDir, 'repos', `${other}.git`);
      const objects = existsSync(path.join(repoDir, 'objects'))
        ? (await readdir(path.join(repoDir, 'objects'))).filter((d) => /^[0-9a-f]{2}$/.test(d))
        : [];
      expect(objects).toEqual([]);
      const releases = await api(server.apiUrl, server.token, 'GET', `/apps/${other}/releases`);
      expect(releases.json).toEqual([]);
    });

    it('refuses pushes to an app that does not exist', async () => {
      const r = await run('git', ['push', `${server.apiUrl}/no-such-app.git`, 'main'], { cwd: repo, env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/not found|404/i);
    });

    it('refuses bad app names in the API and in git URLs, creating nothing', async () => {
      const before = (await api(server.apiUrl, server.token, 'GET', '/apps')).json.length;
      for (const name of ['..', '%2e%2e', 'a;id', 'UPPER', 'ab', 'x'.repeat(31), '-lead', 'trail-', '../etc']) {
        const r = await api(server.apiUrl, server.token, 'POST', '/apps', { name });
        expect(r.status, name).toBe(422);
        expect(r.json.id).toBe('invalid_params');
      }
      expect((await api(server.apiUrl, server.token, 'GET', '/apps')).json.length).toBe(before);
      for (const repoPath of ['/..%2F..%2Fetc.git', '/%2e%2e.git', '/a;id.git', '/../x.git', '/UPPER.git']) {
        const res = await fetch(`${server.apiUrl}${repoPath}/info/refs?service=git-receive-pack`, {
          headers: { Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` },
        });
        expect(res.status, repoPath).toBeGreaterThanOrEqual(400);
        expect(res.status, repoPath).toBeLessThan(500);
      }
      expect(existsSync(path.join(server.dataDir, 'etc.git'))).toBe(false);
    });

    it('the API needs a valid token and answers errors as {id, message}', async () => {
      const none = await api(server.apiUrl, null, 'GET', '/apps');
      expect(none.status).toBe(401);
      expect(none.json).toMatchObject({ id: 'unauthorized' });
      const wrong = await api(server.apiUrl, 'plt_nope', 'GET', '/apps');
      expect(wrong.status).toBe(401);
      const missing = await api(server.apiUrl, server.token, 'GET', '/apps/no-such-app');
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ id: 'not_found', message: expect.any(String) });
    });

    it(`images:prune ${runtime === 'docker' ? 'collects release images' : 'says the process runtime has no images'}`, async () => {
      const r = await platform(['images:prune'], { cwd: repo, env });
      if (runtime === 'docker') {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^Removed \d+ images?; kept each app's last 10 releases/);
      } else {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('process runtime: there are no release images to prune');
      }
    });

    it('never writes the admin token to the server logs', () => {
      expect(server.output.join('\n')).not.toContain(server.token);
    });
  });
}
