import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { WebSocket } from 'ws';
import * as pty from 'node-pty';
import { generateToken, hashToken } from '@platform/secrets';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { CLI, createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo } from '../support/apps.ts';
import { api } from '../support/api.ts';

interface PsDyno { name: string; type: string; state: string; command: string }

const MIGRATE_JS = `console.log('migrate ran with GREETING=' + process.env.GREETING + ' EXTRA=' + process.env.EXTRA + ' args=' + process.argv.slice(2).join(','));\n`;

/** Processes (any user) whose command line contains `marker`: what a one-off leaves behind in process mode. */
async function processesWith(marker: string): Promise<number> {
  let n = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmdline.includes(marker) && !cmdline.includes(CLI)) n++;
  }
  return n;
}

/** Docker containers of one dyno, running or not. */
async function containersOf(app: string, dyno: string): Promise<number> {
  const r = await run('docker', ['ps', '-aq', '--filter', `label=platform.app=${app}`, '--filter', `label=platform.dyno=${dyno}`]);
  return r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
}

/** A second user with its own token, straight in the embedded Postgres (the API has no user sign-up). */
async function tokenOfAnotherUser(dataDir: string): Promise<string> {
  const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
  const port = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[3]);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'platform', password, database: 'platform' });
  await client.connect();
  try {
    const userId = randomUUID();
    await client.query('INSERT INTO users (id, email, is_admin) VALUES ($1, $2, false)', [userId, `other-${userId.slice(0, 8)}@example.com`]);
    const token = generateToken();
    await client.query('INSERT INTO api_tokens (id, user_id, token_hash, description) VALUES ($1, $2, $3, $4)', [randomUUID(), userId, hashToken(token), 'test']);
    return token;
  } finally {
    await client.end();
  }
}

/**
 * Factor XII: admin tasks as one-off processes on the current release, attached (TTY or pipes) and detached,
 * through the real CLI and server.
 */
export function describeOneOff(runtime: 'process' | 'docker') {
  describe(`one-off dynos: platform run (${runtime} runtime)`, () => {
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;
    const app = `oneoff-${runtime}`;
    const ps = async () => {
      const r = await platform(['ps', '--json'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as PsDyno[];
    };
    const dynoNameIn = (stderr: string) => /(?:up|done), (run\.\d+)/.exec(stderr)?.[1];
    const leftovers = (dyno: string, marker: string) => (runtime === 'docker' ? containersOf(app, dyno) : processesWith(marker));

    beforeAll(async () => {
      server = await startServer({ runtime, env: { PLATFORM_GRACE_PERIOD: '3' } });
      env = await createUserEnv();
      // A Procfile-only app: one-offs are the subject; the Node.js buildpack's environment has its own test below.
      repo = await fixtureRepo('web-app', env);
      await commitFile(repo, env, 'migrate.js', MIGRATE_JS, 'add migrate.js');
      const procfile = await readFile(path.join(repo, 'Procfile'), 'utf8');
      await commitFile(repo, env, 'Procfile', `${procfile.trimEnd()}\nmigrate: node migrate.js\n`, 'migrate process type');
      expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
      expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
      const set = await platform(['config:set', 'GREETING=hello-from-config'], { cwd: repo, env });
      expect(set.code, set.stderr).toBe(0);
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('exits with the process exit code, with the status line on stderr', async () => {
      const r = await platform(['run', 'node', '-e', 'process.exit(3)'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^Running `node -e 'process\.exit\(3\)'` on oneoff-\w+\.\.\. up, run\.\d+\n/);
    });

    it('gives a client that attaches after the command ended its whole output and exit code', async () => {
      const created = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/dynos`, {
        command: 'echo early-output; exit 4',
        attach: true,
        force_no_tty: true,
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const name = created.json.name as string;
      // Wait until the dyno is gone from ps (it has exited), then attach.
      await eventually(async () => !(await ps()).some((d) => d.name === name), 20_000, `${name} to exit`);
      const frames: Buffer[] = [];
      const exit = await new Promise<{ code: number }>((resolve, reject) => {
        const ws = new WebSocket(created.json.attach_url as string);
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary) frames.push(data);
          else {
            const msg = JSON.parse(data.toString()) as { type: string; code: number };
            if (msg.type === 'exit') resolve(msg);
          }
        });
        ws.on('error', reject);
      });
      expect(exit.code).toBe(4);
      expect(Buffer.concat(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString()).toBe('early-output\n');
    });

    it('pipes stdin without a TTY and delivers EOF', async () => {
      const r = await platform(['run', 'cat'], { cwd: repo, env, input: 'hi\n' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('hi\n');
    });

    it('runs a Procfile process type with the rest appended, the app config and -e vars visible', async () => {
      const r = await platform(['run', '-e', 'EXTRA=only-this-run', 'migrate', '--step', '2'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('migrate ran with GREETING=hello-from-config EXTRA=only-this-run args=--step,2');
      // -e is for that run only: nothing changed in the app's config.
      expect((await platform(['config:get', 'EXTRA'], { cwd: repo, env })).stdout.trim()).toBe('');
    });

    it('gives an interactive command a terminal: prompt, input, Ctrl-C', async () => {
      const term = pty.spawn(process.execPath, [CLI, 'run', 'read -p "name? " n && echo "hello $n" && exec sleep 600'], {
        cols: 100,
        rows: 30,
        cwd: repo,
        env: { ...env, TERM: 'xterm-256color' },
      });
      let screen = '';
      term.onData((d) => (screen += d));
      const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
      try {
        await eventually(async () => screen.includes('name? '), 60_000, `the prompt (screen: ${JSON.stringify(screen)})`);
        term.write('alice\r');
        await eventually(async () => screen.includes('hello alice'), 20_000, 'the greeting');
        term.write('\x03'); // raw mode: Ctrl-C travels to the dyno's terminal, which interrupts sleep
        expect(await exited).toBe(130);
      } finally {
        term.kill('SIGKILL');
      }
    });

    it('runs detached: returns the dyno name at once, output in the logs, listed by ps, ended by ps:stop', async () => {
      const marker = `${600 + Math.floor(Math.random() * 300)}.${Date.now() % 1000}`;
      const r = await platform(['run:detached', `echo detached-output-$DYNO; exec sleep ${marker}`], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      const name = dynoNameIn(r.stderr)!;
      expect(name).toMatch(/^run\.\d+$/);
      expect(r.stdout).toContain(`platform logs --app ${app} --dyno ${name}`);
      const dyno = (await ps()).find((d) => d.name === name);
      expect(dyno).toMatchObject({ type: 'run', state: 'up' });
      expect((await platform(['ps'], { cwd: repo, env })).stdout).toMatch(new RegExp(`${name.replace('.', '\\.')}.*: up `));
      await eventually(async () => {
        const logs = await platform(['logs', '--dyno', name], { cwd: repo, env });
        return logs.stdout.includes(`app[${name}]: detached-output-${name}`);
      }, 30_000, 'the detached output in platform logs --dyno');
      const stop = await platform(['ps:stop', name], { cwd: repo, env });
      expect(stop.code, stop.stderr).toBe(0);
      await eventually(async () => !(await ps()).some((d) => d.name === name), 30_000, `${name} gone from ps`);
      await eventually(async () => (await leftovers(name, `sleep ${marker}`)) === 0, 30_000, 'nothing left of the dyno');
    });

    it('stops the one-off when the CLI is killed mid-run, leaving nothing behind', async () => {
      const marker = `${900 + Math.floor(Math.random() * 90)}.${Date.now() % 1000}`;
      const child = spawn(process.execPath, [CLI, 'run', `echo started; exec sleep ${marker}`], { cwd: repo, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise((resolve) => child.once('close', resolve));
      await eventually(async () => stdout.includes('started'), 60_000, 'the one-off to start');
      const name = dynoNameIn(stderr)!;
      expect((await ps()).find((d) => d.name === name)?.state).toBe('up');
      // The command's own process (and, as root, the sandbox's unshare and tini, whose argv carry it).
      expect(await leftovers(name, `sleep ${marker}`)).toBeGreaterThanOrEqual(1);
      child.kill('SIGKILL');
      await closed;
      await eventually(async () => !(await ps()).some((d) => d.name === name), 30_000, `${name} gone from ps`);
      await eventually(async () => (await leftovers(name, `sleep ${marker}`)) === 0, 30_000, 'no orphan process or container');
    });

    it("runs in the Node.js buildpack's environment: NODE_ENV=production and the app's own CLIs on PATH", async () => {
      // A package.json makes it a Node.js app, with a dependency that has a bin, from the app's own tree (no
      // registry): npm links it into node_modules/.bin.
      const pkg = { name: 'web-app', private: true, dependencies: { 'bin-probe': 'file:./bin-probe' } };
      await mkdir(path.join(repo, 'bin-probe'), { recursive: true });
      await writeFile(path.join(repo, 'bin-probe', 'package.json'), JSON.stringify({ name: 'bin-probe', version: '1.0.0', bin: { 'bin-probe': 'cli.js' } }));
      await writeFile(path.join(repo, 'bin-probe', 'cli.js'), '#!/usr/bin/env node\nconsole.log("bin-probe ran");\n', { mode: 0o755 });
      await commitFile(repo, env, 'package.json', JSON.stringify(pkg, null, 2), 'a dependency with a bin');
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
      const r = await platform(['run', 'bash', '-c', 'echo "NODE_ENV=$NODE_ENV"; bin-probe'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('NODE_ENV=production');
      expect(r.stdout).toContain('bin-probe ran');
      // A config var still wins (the app chose it).
      const own = await platform(['run', '-e', 'NODE_ENV=staging', 'bash', '-c', 'echo "NODE_ENV=$NODE_ENV"'], { cwd: repo, env });
      expect(own.stdout).toContain('NODE_ENV=staging');
    });

    it('refuses bad input with clear errors', async () => {
      const unknown = await platform(['run', '-a', 'no-such-app-here', 'echo', 'x'], { cwd: repo, env });
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/Couldn't find that app/);

      const empty = await platform(['run', ''], { cwd: repo, env });
      expect(empty.code).not.toBe(0);
      expect(empty.stderr).toMatch(/No command given/);
      const emptyApi = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/dynos`, { command: '   ', attach: false });
      expect(emptyApi.status).toBe(422);
      expect(emptyApi.json.message).toMatch(/command is required/);
      const badTtl = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/dynos`, { command: 'true', time_to_live: 90_000 });
      expect(badTtl.status).toBe(422);
      const badSize = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/dynos`, { command: 'true', size: 'huge-9x' });
      expect(badSize.status).toBe(422);
      expect(badSize.json.message).toMatch(/Unknown dyno size/);

      const other = await tokenOfAnotherUser(server.dataDir);
      const denied = await platform(['run', 'echo', 'x'], { cwd: repo, env: { ...env, PLATFORM_API_KEY: other } });
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toMatch(/Couldn't find that app/);
      const noToken = await api(server.apiUrl, null, 'POST', `/apps/${app}/dynos`, { command: 'true' });
      expect(noToken.status).toBe(401);
      // An attach URL works once, for the user who asked for it.
      const created = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/dynos`, { command: 'sleep 30', attach: true, force_no_tty: true });
      expect(created.status).toBe(201);
      expect(created.json.attach_url).toMatch(/^ws:\/\/.+\/dynos\/attach\/[A-Za-z0-9_-]{43}$/);
      const forged = created.json.attach_url.replace(/.{4}$/, 'AAAA');
      expect(await upgradeStatus(forged)).toBe(404);
      expect((await ps()).some((d) => d.name === created.json.name)).toBe(true);
      await api(server.apiUrl, server.token, 'POST', `/apps/${app}/dynos/${created.json.name}/actions/stop`);
      await eventually(async () => !(await ps()).some((d) => d.name === created.json.name), 30_000, 'the unattached one-off stopped');
    });
  });
}

/** The HTTP status a WebSocket upgrade gets (101 when accepted). */
function upgradeStatus(wsUrl: string): Promise<number> {
  const url = new URL(wsUrl.replace(/^ws/, 'http'));
  return new Promise((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({
        host: url.hostname, port: url.port, path: url.pathname, agent: false,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': Buffer.from(randomUUID().slice(0, 16)).toString('base64') },
      });
      req.on('upgrade', (_res, socket) => (socket.destroy(), resolve(101)));
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end();
    }, reject);
  });
}
