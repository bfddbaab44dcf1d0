import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';

/**
 * Redis add-ons on the process runtime, as a user meets them (issue 17): `addons:create heroku-redis` attaches a
 * redis-server of the app's own as REDIS_URL, the web dyno counts requests in it; another app's add-on is a
 * server its credentials cannot open; the servers keep serving while platformd restarts and the next one adopts
 * them; destroying the apps leaves no redis-server and no file.
 */
describe('Redis add-ons (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const cli = (args: string[], input?: string) => platform(args, { cwd: repo, env, ...(input === undefined ? {} : { input }) });

  async function configVars(app: string): Promise<Record<string, string>> {
    const r = await cli(['config', '--json', '-a', app]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  }

  /** The redis-server processes working in this server's data dir (the add-ons' data directories). */
  async function redisServers(): Promise<number[]> {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
      if (cmdline.startsWith('redis-server') && cwd.startsWith(server.dataDir + path.sep)) pids.push(Number(entry));
    }
    return pids.sort();
  }

  async function redisGet(url: string, key: string): Promise<string | null> {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let seen: Error | null = null;
    client.on('error', (err: Error) => (seen ??= err));
    try {
      await client.connect().catch((err: unknown) => {
        throw seen ?? err;
      });
      return await client.get(key);
    } finally {
      client.disconnect();
    }
  }

  const hits = () =>
    eventually(async () => {
      const r = await getViaRouter(server.routerUrl, 'addon-redis');
      return r.status === 200 ? r.body : null;
    }, 60_000, 'the web dyno');

  async function login(): Promise<void> {
    const r = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(r.code, r.stderr).toBe(0);
  }

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    await login();
    repo = await fixtureRepo('addon-redis-app', env);
    const created = await cli(['apps:create', 'addon-redis']);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('attaches a Redis of its own as REDIS_URL, in which the app counts its requests', async () => {
    const created = await cli(['addons:create', 'heroku-redis']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created redis-[a-z]+-\d{5} as REDIS_URL/);
    const url = (await configVars('addon-redis')).REDIS_URL!;
    expect(url).toMatch(/^redis:\/\/addon_[0-9a-f]{32}:[^@]+@127\.0\.0\.1:\d+$/);
    expect(server.output.join('\n')).not.toContain(new URL(url).password);

    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(await hits()).toBe('hits: 1\n');
    expect((await getViaRouter(server.routerUrl, 'addon-redis')).body).toBe('hits: 2\n');

    const info = await cli(['redis:info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/=== redis-[a-z]+-\d{5} \(REDIS_URL\)/);
    expect(info.stdout).toMatch(/Status:\s+Available/);
    expect(info.stdout).toMatch(/Persistence:\s+AOF/);

    // redis-cli in a one-off dyno, commands from stdin: the app's data, no administration.
    const session = await cli(['redis:cli'], 'GET hits\nCONFIG GET dir\n');
    expect(session.code, session.stderr).toBe(0);
    expect(session.stdout).toContain('2');
    expect(session.stdout).toContain('NOPERM');
    const refused = await cli(['config:set', 'REDIS_URL=redis://elsewhere:6379']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Cannot overwrite attachment values REDIS_URL.');
  });

  it('resets the credentials on confirmation: the old password stops working, the restarted app uses the new one', async () => {
    const before = (await configVars('addon-redis')).REDIS_URL!;
    const shown = await cli(['redis:credentials']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toBe(before);
    const unconfirmed = await cli(['redis:credentials', '--reset']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--confirm addon-redis');
    const reset = await cli(['redis:credentials', '--reset', '--confirm', 'addon-redis']);
    expect(reset.code, reset.stderr).toBe(0);
    const after = (await configVars('addon-redis')).REDIS_URL!;
    expect(after).not.toBe(before);
    await expect(redisGet(before, 'hits')).rejects.toThrow(/WRONGPASS/);
    expect(await hits()).toBe('hits: 3\n');
  });

  it("keeps two apps' Redis add-ons apart: one app's credentials cannot read the other's server", async () => {
    expect((await cli(['apps:create', 'addon-redis-b', '--no-remote'])).code).toBe(0);
    const created = await cli(['addons:create', 'redis', '-a', 'addon-redis-b']);
    expect(created.code, created.stderr).toBe(0);
    const a = new URL((await configVars('addon-redis')).REDIS_URL!);
    const b = new URL((await configVars('addon-redis-b')).REDIS_URL!);
    expect(b.port).not.toBe(a.port);
    expect(await redisGet(b.toString(), 'hits')).toBeNull(); // b's own server: a's counter is not there
    const crossed = new URL(b);
    crossed.username = a.username;
    crossed.password = a.password;
    await expect(redisGet(crossed.toString(), 'hits')).rejects.toThrow(/WRONGPASS/);
    crossed.username = '';
    await expect(redisGet(crossed.toString(), 'hits')).rejects.toThrow(/WRONGPASS/);
    expect(await redisServers()).toHaveLength(2);
  });

  it('keeps serving while platformd restarts, and the next platformd adopts the same servers', async () => {
    const url = (await configVars('addon-redis')).REDIS_URL!;
    const before = await redisServers();
    expect(await server.stop()).toBe(0);
    expect(await redisServers()).toEqual(before);
    expect(await redisGet(url, 'hits')).toBe('3');

    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    await login();
    expect(await redisServers()).toEqual(before);
    expect(await hits()).toBe('hits: 4\n');
  });

  it('destroys the add-ons with their apps: no redis-server, no file left', async () => {
    expect(await redisServers()).toHaveLength(2);
    for (const app of ['addon-redis', 'addon-redis-b']) {
      const destroyed = await cli(['apps:destroy', '-a', app, '--confirm', app]);
      expect(destroyed.code, destroyed.stderr).toBe(0);
    }
    expect(await redisServers()).toEqual([]);
    expect(await readdir(path.join(server.dataDir, 'addons', 'redis'))).toEqual([]);
  });
});
