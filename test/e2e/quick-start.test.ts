import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { getViaRouter, git } from '../support/apps.ts';

/**
 * The README's quick start, step by step, with the sample app it names (docs/sample-app): log in with the
 * token file, create the app, push, see v1 served; set a config var, see v2 served with it.
 */
describe('the README quick start with the sample app', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    repo = await mkdtemp(path.join(tmpdir(), 'platform-sample-app-'));
    await cp(path.join(REPO_ROOT, 'docs', 'sample-app'), repo, { recursive: true });
    await git(repo, env, ['init', '-q', '-b', 'main']);
    await git(repo, env, ['add', '-A']);
    await git(repo, env, ['commit', '-q', '-m', 'sample app']);
  });
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('names the sample app and these very commands in the README', async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const step of ['docs/sample-app', 'platform apps:create', 'git push platform main', 'platform config:set GREETING=']) {
      expect(readme).toContain(step);
    }
  });

  it('deploys the sample app as v1 and serves its release and config through the router', async () => {
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    const created = await platform(['apps:create', 'my-app'], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/Released v1/);
    const res = await getViaRouter(server.routerUrl, 'my-app');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Hello from my-app!');
    expect(res.body).toContain('release: v1');
    expect(res.body).toContain('GREETING: (not set');
  });

  it('config:set makes v2, and the app shows the new value and version', async () => {
    const set = await platform(['config:set', 'GREETING=hello from the quick start'], { cwd: repo, env });
    expect(set.code, set.stderr).toBe(0);
    const res = await getViaRouter(server.routerUrl, 'my-app');
    expect(res.body).toContain('release: v2');
    expect(res.body).toContain('GREETING: hello from the quick start');
  });
});
