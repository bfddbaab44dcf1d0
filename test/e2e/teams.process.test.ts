import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { CLI, createUserEnv, platform, run } from '../support/cli.ts';
import { fixtureRepo } from '../support/apps.ts';

/**
 * Issue 16 end to end: an admin, two users and a collaborator, through the real CLI, real git pushes and fetches,
 * and a live log tail, on the real server (process runtime).
 */
describe('teams (process runtime)', () => {
  let server: ServerHandle;
  const env: Record<'admin' | 'alice' | 'bob', Record<string, string>> = {} as never;
  let repo: string;
  const app = 'teams-e2e';
  const PASSWORD = 'correct horse battery staple';

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    for (const who of ['admin', 'alice', 'bob'] as const) env[who] = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env: env.admin });
    expect(login.code, login.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('the admin creates users; one logs in with a password, the other with an invitation', async () => {
    const alice = await platform(['users:create', 'alice@example.com', '--password-stdin'], { env: env.admin, input: `${PASSWORD}\n` });
    expect(alice.code, alice.stderr).toBe(0);
    const weak = await platform(['users:create', 'weak@example.com', '--password-stdin'], { env: env.admin, input: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('A password needs 10 to 256 characters');
    const bob = await platform(['users:create', 'bob@example.com'], { env: env.admin });
    expect(bob.code, bob.stderr).toBe(0);
    const code = /Invitation code \(works once, until [^)]+\): (\S+)/.exec(bob.stdout)![1]!;

    const aliceLogin = await platform(['login', '--server', server.apiUrl, '--email', 'alice@example.com'], { env: { ...env.alice, PLATFORM_PASSWORD: PASSWORD } });
    expect(aliceLogin.code, aliceLogin.stderr).toBe(0);
    expect(aliceLogin.stdout).toContain('Logged in as alice@example.com');
    expect(await readFile(path.join(env.alice.HOME!, '.netrc'), 'utf8')).toContain('login alice@example.com');
    const wrong = await platform(['login', '--server', server.apiUrl, '--email', 'alice@example.com'], { env: { ...env.bob, PLATFORM_PASSWORD: 'not the password' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('refused the e-mail and password');
    const bobLogin = await platform(['login', '--server', server.apiUrl, '--invite', code], { env: env.bob, input: 'tr0ub4dor and 3 more\n' });
    expect(bobLogin.code, bobLogin.stderr).toBe(0);
    expect(bobLogin.stdout).toContain('Logged in as bob@example.com');
    const users = await platform(['users'], { env: env.admin });
    expect(users.stdout).toMatch(/alice@example\.com\s+active/);
    expect((await platform(['users'], { env: env.alice })).code).toBe(1);
  });

  it("a user sees and touches only its apps: API, git push and fetch, logs", async () => {
    repo = await fixtureRepo('node-app', env.alice);
    expect((await platform(['apps:create', app], { cwd: repo, env: env.alice })).code).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env: env.alice });
    expect(push.code, push.stderr).toBe(0);
    const releases = await platform(['releases', '-a', app], { env: env.alice });
    expect(releases.stdout).toContain('alice@example.com');
    const audit = await platform(['audit'], { env: env.admin });
    expect(audit.stdout, audit.stdout).toMatch(new RegExp(`alice@example\\.com\\s+\\S+\\s+deploy ${app}\\s+branch=main commit=[0-9a-f]{40} result=succeeded`));
    expect((await platform(['audit'], { env: env.alice })).code).toBe(1);

    expect((await platform(['apps'], { env: env.bob })).stdout).not.toContain(app);
    const info = await platform(['apps:info', '-a', app], { env: env.bob });
    expect(info.code).toBe(1);
    expect(info.stderr).toContain("Couldn't find that app.");
    expect((await platform(['logs', '-a', app], { env: env.bob })).code).toBe(1);
    // Bob's git credentials (his ~/.netrc) reach neither fetch nor push.
    const clone = await run('git', ['clone', `${server.apiUrl}/${app}.git`, path.join(await mkdtemp(path.join(tmpdir(), 'teams-clone-')), 'c')], { env: env.bob });
    expect(clone.code).not.toBe(0);
    const bobPush = await run('git', ['push', `${server.apiUrl}/${app}.git`, 'main'], { cwd: repo, env: env.bob });
    expect(bobPush.code).not.toBe(0);
  });

  it('a collaborator gets what its permissions say, and loses a live tail when removed', async () => {
    const add = await platform(['access:add', 'bob@example.com', '-a', app, '--permissions', 'view'], { env: env.alice });
    expect(add.code, add.stderr).toBe(0);
    const list = await platform(['access', '-a', app], { env: env.bob });
    expect(list.stdout).toMatch(/alice@example\.com\s+owner/);
    expect(list.stdout).toMatch(/bob@example\.com\s+view/);
    const clone = await run('git', ['clone', `${server.apiUrl}/${app}.git`, path.join(await mkdtemp(path.join(tmpdir(), 'teams-clone-')), 'c')], { env: env.bob });
    expect(clone.code, clone.stderr).toBe(0);
    const denied = await platform(['config:set', 'A=1', '-a', app], { env: env.bob });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('You need the deploy permission');
    expect((await run('git', ['push', `${server.apiUrl}/${app}.git`, 'main'], { cwd: repo, env: env.bob })).code).not.toBe(0);

    const tail = spawn(process.execPath, [CLI, 'logs', '--tail', '-a', app], { env: env.bob, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    tail.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => tail.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no log output: ${out}`)), 15_000);
      tail.stdout.on('data', () => (clearTimeout(t), resolve()));
    });
    // With deploy, bob runs an attached one-off: its WebSocket closes when his access goes.
    expect((await platform(['access:update', 'bob@example.com', '-a', app, '--permissions', 'view,deploy'], { env: env.alice })).code).toBe(0);
    const oneOff = spawn(process.execPath, [CLI, 'run', '-a', app, '--', 'sh', '-c', 'echo ready; sleep 120'], { env: env.bob, stdio: ['pipe', 'pipe', 'pipe'] });
    let runOut = '';
    oneOff.stdout.on('data', (c: Buffer) => (runOut += c.toString()));
    const runExited = new Promise<number | null>((resolve) => oneOff.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the one-off did not start: ${runOut}`)), 30_000);
      oneOff.stdout.on('data', () => runOut.includes('ready') && (clearTimeout(t), resolve()));
    });
    expect((await platform(['access:remove', 'bob@example.com', '-a', app], { env: env.alice })).code).toBe(0);
    const timeout = () => new Promise<'running'>((r) => setTimeout(() => r('running'), 10_000));
    const code = await Promise.race([exited, timeout()]);
    if (code === 'running') tail.kill();
    // The stream ends; the tail's reconnection is refused (no access any more): exit 1, saying why.
    expect(code).toBe(1);
    const runCode = await Promise.race([runExited, timeout()]);
    if (runCode === 'running') oneOff.kill();
    expect(runCode).not.toBe('running');
    expect(runCode).not.toBe(0);
    expect((await platform(['apps:info', '-a', app], { env: env.bob })).code).toBe(1);
  });

  it('a revoked personal token stops working at its next request', async () => {
    const created = await platform(['authorizations:create', '-d', 'CI'], { env: env.alice });
    expect(created.code, created.stderr).toBe(0);
    const [, id, token] = /Created token (\S+) .*\n(\S+)/.exec(created.stdout)!;
    const ci = { ...env.bob, PLATFORM_API_KEY: token!, PLATFORM_SERVER: server.apiUrl };
    expect((await platform(['apps'], { env: ci })).stdout).toContain(app);
    expect((await platform(['authorizations'], { env: env.alice })).stdout).toMatch(/CI\s+\S+\s+never expires/);
    expect((await platform(['authorizations:revoke', id!], { env: env.alice })).code).toBe(0);
    const after = await platform(['apps'], { env: ci });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('Invalid credentials');
  });
});

describe('teams: rename (process runtime)', () => {
  it('renames an app: the clone’s remote, git pushes and the router follow the new name', async () => {
    const { getViaRouter, eventually, commitFile } = await import('../support/apps.ts');
    const server = await startServer({ runtime: 'process' });
    try {
      const env = await createUserEnv();
      expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
      const repo = await fixtureRepo('node-app', env);
      expect((await platform(['apps:create', 'before-name'], { cwd: repo, env })).code).toBe(0);
      expect((await run('git', ['push', 'platform', 'main'], { cwd: repo, env })).code).toBe(0);
      const renamed = await platform(['apps:rename', 'after-name'], { cwd: repo, env });
      expect(renamed.code, renamed.stderr).toBe(0);
      expect(renamed.stdout).toContain('Git remote platform updated');
      await eventually(async () => (await getViaRouter(server.routerUrl, 'after-name')).status === 200, 60_000, 'the renamed app to answer');
      expect((await getViaRouter(server.routerUrl, 'before-name')).status).toBe(404);
      await commitFile(repo, env, 'NOTE.md', 'after the rename\n', 'after the rename');
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
      expect((await platform(['releases', '-a', 'after-name'], { env })).stdout).toMatch(/v2\s+Deploy/);
    } finally {
      await server.destroy();
    }
  });
});
