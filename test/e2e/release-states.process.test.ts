import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, fixtureRepo } from '../support/apps.ts';

/**
 * Honest release states (issue 14, item 5): a deploy whose web dyno does not boot is a failed deploy with the
 * dyno's reason (exit status, Heroku's R10), in the push output, `platform releases` and the app's log, never
 * "release command failed" unless a release command failed; each build error appears once in the push output.
 */
describe('release states and build errors as the user sees them (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  const repos: string[] = [];
  const count = (text: string, needle: string) => text.split(needle).length - 1;

  /** A repo of `fixture` with an app of the same name (less `-app`), created through the CLI. */
  async function appRepo(fixture: string) {
    const repo = await fixtureRepo(fixture, env);
    repos.push(repo);
    const created = await platform(['apps:create', fixture.replace(/-app$/, '')], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    return repo;
  }
  const push = (repo: string) => run('git', ['push', 'platform', 'main'], { cwd: repo, env });

  beforeAll(async () => {
    server = await startServer({ runtime: 'process', env: { PLATFORM_BOOT_TIMEOUT: '5' } });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    for (const repo of repos) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('shows a web dyno that exits at boot as a failed deploy with its exit status, in the push, releases and log', async () => {
    const repo = await appRepo('boot-crash-app');
    const r = await push(repo);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote:        web.1 said before it stopped:');
    expect(r.stderr).toContain('remote:        | boot-crash-app: DATABASE_URL is not set, exiting');
    expect(r.stderr).toContain('remote:  !     Release v1 failed: web.1 exited during boot (status 3)');
    expect(count(r.stderr, 'exited during boot')).toBe(1);
    expect(r.stderr).not.toMatch(/release command/i);

    const releases = await platform(['releases'], { cwd: repo, env });
    expect(releases.stdout).toMatch(/v1 {2}Deploy [0-9a-f]{8} deploy failed: web\.1 exited during boot \(status 3\)/);
    expect(releases.stdout).not.toContain('release command failed');

    const logs = await platform(['logs', '-n', '100'], { cwd: repo, env });
    expect(logs.stdout).toContain('app[web.1]: boot-crash-app: DATABASE_URL is not set, exiting');
    expect(logs.stdout).toContain('platform[web.1]: Process exited with status 3');
    expect(logs.stdout).toContain('platform[api]: Release v1 failed: web.1 exited during boot (status 3)');
  });

  it("words a web dyno that never binds $PORT as Heroku's R10 (boot timeout)", async () => {
    const repo = repos[0]!;
    await commitFile(repo, env, 'Procfile', 'web: node -e "setInterval(() => {}, 1000)"\n', 'never binds');
    const r = await push(repo);
    expect(r.code).not.toBe(0);
    const reason = 'Error R10 (Boot timeout) -> web.1 failed to bind to $PORT within 5 seconds of launch';
    expect(r.stderr).toContain(`remote:  !     Release v2 failed: ${reason}`);
    expect((await platform(['releases'], { cwd: repo, env })).stdout).toContain(`deploy failed: ${reason}`);
  });

  it('says "release command failed" when it is the release command that failed', async () => {
    const repo = repos[0]!;
    await commitFile(repo, env, 'Procfile', 'release: node -e "console.log(\'migrating\'); process.exit(4)"\nweb: node server.js\n', 'bad migration');
    const r = await push(repo);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote: migrating');
    expect(r.stderr).toContain('remote:  !     Release v3 failed: release command exited with status 4');
    expect(r.stderr).not.toContain('exited during boot'); // the web dynos never started
    const releases = await platform(['releases'], { cwd: repo, env });
    expect(releases.stdout).toMatch(/v3 {2}Deploy [0-9a-f]{8} release command failed/);
    expect(releases.stdout).toMatch(/v1 {2}Deploy [0-9a-f]{8} deploy failed/);
  });

  it('reports a bad Procfile line once', async () => {
    const r = await push(await appRepo('bad-procfile-app'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote:  !     Procfile line 3: ');
    expect(count(r.stderr, 'Procfile line 3')).toBe(1);
    expect(r.stderr).toContain('remote:  !     Push rejected to bad-procfile.');
  });

  it('reports a failing build once, in the buildpack’s words', async () => {
    const r = await push(await appRepo('failing-build-app'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('fixture build step failing on purpose');
    expect(count(r.stderr, 'failed to compile')).toBe(1);
    expect(r.stderr).not.toContain('The buildpack failed to compile the app.');
    expect(r.stderr).toContain('remote:  !     Push rejected to failing-build.');
  });
});
