/**
 * Dockerfile deploys on the process runtime (issue 18): refused, with one message saying what to do, whether
 * heroku.yml asks for the Dockerfile or it is the only thing the repository has; the push changes nothing.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { fixtureRepo, git } from '../support/apps.ts';

describe('Dockerfile deploys (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    expect(server.runtime).toBe('process');
    env = await createUserEnv();
    repo = await fixtureRepo('dockerfile-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { cwd: repo, env });
    expect(login.code, login.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  const refusedPush = async (app: string) => {
    const created = await platform(['apps:create', app, '--remote', app], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    const r = await run('git', ['push', app, 'main'], { cwd: repo, env, timeoutMs: 5 * 60_000 });
    const out = r.stdout + r.stderr;
    expect(r.code, out).not.toBe(0);
    expect(out.match(/Dockerfile deploys need the docker runtime/g), out).toHaveLength(1);
    expect(out).toContain('[remote rejected]');
    const releases = await platform(['releases', '--json', '-a', app], { cwd: repo, env });
    expect(releases.code, releases.stderr).toBe(0);
    expect(JSON.parse(releases.stdout)).toEqual([]);
    const ls = await run('git', ['ls-remote', app], { cwd: repo, env });
    expect(ls.stdout).not.toContain('refs/heads/main');
  };

  it('refuses an app whose heroku.yml asks for a Dockerfile build', async () => {
    await refusedPush('df-proc-manifest');
  });

  it('refuses an app whose only buildable file is its Dockerfile', async () => {
    await git(repo, env, ['rm', '-q', 'heroku.yml']);
    await git(repo, env, ['commit', '-q', '-m', 'no manifest']);
    await refusedPush('df-proc-plain');
  });
});
