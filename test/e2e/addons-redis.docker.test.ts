import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { reachableUrl } from '@platform/addon-redis-docker';
import { requireDocker } from '../support/docker.ts';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';

const docker = requireDocker();

/** `probe <target> <result>` lines (test/fixtures/probe-app/probe.js) → { target: result }. */
const probes = (text: string) => Object.fromEntries([...text.matchAll(/probe (\S+) (\S+)/g)].map((m) => [m[1], m[2]]));

/**
 * Redis add-ons on the docker runtime (issue 17): `addons:create heroku-redis` runs a redis-server container on the
 * app's network, attached as REDIS_URL (its host: the container's name); the process test's app counts requests
 * in it; the app's dynos reach it through the dyno firewall, another app's do not; a credentials reset restarts the
 * app on the new password; a restarted platformd adopts the container; a second add-on is a container of its own as HEROKU_REDIS_<COLOUR>_URL; destroying the
 * app leaves no container, no volume and no kept password. One deployed app throughout (and one more, for the probe).
 */
describe('Redis add-ons (docker runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let appId: string;
  const app = 'addon-redis-dk';
  const other = 'addon-redis-dk-b';
  const cli = (args: string[]) => platform(args, { cwd: repo, env });

  /** The add-on containers (name → labels) and volumes of the app, by label. */
  async function addonObjects(): Promise<{ containers: string[]; volumes: string[]; labels: Array<Record<string, string>> }> {
    const label = `platform.addon.app-id=${appId}`;
    const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
    const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
    return {
      containers: containers.map((c) => c.Names[0]!.replace(/^\//, '')).sort(),
      volumes: volumes.map((v) => v.Name).sort(),
      labels: containers.map((c) => c.Labels),
    };
  }

  /** GET `key` from this host (through the container's address: only the app's dynos resolve its name). */
  async function redisGet(url: string, key: string): Promise<string | null> {
    const client = new Redis(await reachableUrl(docker, url), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

  async function configVars(name = app): Promise<Record<string, string>> {
    const r = await cli(['config', '--json', '-a', name]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  }

  const hits = (expected: string) => eventually(async () => (await getViaRouter(server.routerUrl, app)).body === expected || null, 90_000, `the app to answer ${expected.trim()}`);

  beforeAll(async () => {
    server = await startServer({ runtime: 'docker' });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    repo = await fixtureRepo('addon-redis-app', env);
    // The probe of the network isolation tests, for `platform run` from the app's dynos.
    const probe = await readFile(path.join(import.meta.dirname, '..', 'fixtures', 'probe-app', 'probe.js'), 'utf8');
    await commitFile(repo, env, 'probe.js', probe, 'a TCP probe');
    const created = await cli(['apps:create', app]);
    expect(created.code, created.stderr).toBe(0);
    appId = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}`)).json.id as string;
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('attaches a container as REDIS_URL, in which the app counts its requests', async () => {
    const created = await cli(['addons:create', 'heroku-redis']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created redis-[a-z]+-\d{5} as REDIS_URL/);
    const url = (await configVars()).REDIS_URL!;
    expect(url).toMatch(/^redis:\/\/addon_([0-9a-f]{32}):[^@]+@platform-redis-\1:6379$/);
    expect(server.output.join('\n')).not.toContain(new URL(url).password);
    const name = new URL(url).hostname;
    const objects = await addonObjects();
    expect(objects.containers).toEqual([name]);
    expect(objects.volumes).toEqual([name]);
    // An add-on, not a dyno: the docker runtime would adopt (or retire) a `platform.managed` container.
    expect(objects.labels[0]).not.toHaveProperty('platform.managed');
    expect(objects.labels[0]).toMatchObject({ 'platform.addon.service': 'redis' });
    expect(JSON.stringify(await docker.getContainer(name).inspect())).not.toContain(new URL(url).password);

    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    await hits('hits: 1\n');
    expect((await getViaRouter(server.routerUrl, app)).body).toBe('hits: 2\n');
    expect(await redisGet(url, 'hits')).toBe('2');

    const info = await cli(['redis:info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/Status:\s+Available/);
  });

  it("lets the app's dynos reach it through the dyno firewall, and no other app's", async () => {
    const host = new URL((await configVars()).REDIS_URL!).hostname;
    const address = new URL(await reachableUrl(docker, (await configVars()).REDIS_URL!)).hostname;
    const own = await cli(['run', '--no-tty', 'node', 'probe.js', `${host}:6379`, `${address}:6379`]);
    expect(own.code, own.stderr).toBe(0);
    expect(probes(own.stdout)).toEqual({ [`${host}:6379`]: 'open', [`${address}:6379`]: 'open' });

    const created = await cli(['apps:create', other, '--no-remote']);
    expect(created.code, created.stderr).toBe(0);
    const push = await run('git', ['push', `${server.apiUrl}/${other}.git`, 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    const foreign = await cli(['run', '-a', other, '--no-tty', 'node', 'probe.js', `${host}:6379`, `${address}:6379`]);
    expect(foreign.code, foreign.stderr).toBe(0);
    const seen = probes(foreign.stdout);
    expect(seen[`${host}:6379`]).toBe('ENOTFOUND'); // the name resolves on the owner's network only
    expect(seen[`${address}:6379`]).not.toBe('open');
  });

  it('resets the credentials on confirmation: the old password stops working, the restarted app uses the new one', async () => {
    const before = (await configVars()).REDIS_URL!;
    const reset = await cli(['redis:credentials', '--reset', '--confirm', app]);
    expect(reset.code, reset.stderr).toBe(0);
    const after = (await configVars()).REDIS_URL!;
    expect(after).not.toBe(before);
    expect(new URL(after).hostname).toBe(new URL(before).hostname);
    await expect(redisGet(before, 'hits')).rejects.toThrow(/WRONGPASS/);
    await hits('hits: 3\n');
  });

  it('keeps the add-on across a platformd restart: its container is adopted, not swept, and the app counts on', async () => {
    const url = (await configVars()).REDIS_URL!;
    const [before] = (await docker.listContainers({ filters: { label: [`platform.addon.app-id=${appId}`] } })).map((c) => c.Id);
    await server.stop();
    server = await startServer({ runtime: 'docker', dataDir: server.dataDir });
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    await git(repo, env, ['remote', 'set-url', 'platform', `${server.apiUrl}/${app}.git`]); // the new server's port
    expect((await docker.listContainers({ filters: { label: [`platform.addon.app-id=${appId}`] } })).map((c) => c.Id)).toEqual([before]);
    expect((await configVars()).REDIS_URL).toBe(url);
    const info = await cli(['redis:info']);
    expect(info.stdout).toMatch(/Status:\s+Available/); // platformd's kept admin password still opens it
    await hits('hits: 4\n');
  });

  it('runs a second add-on in a container of its own, attached as HEROKU_REDIS_<COLOUR>_URL', async () => {
    const created = await cli(['addons:create', 'redis']);
    expect(created.code, created.stderr).toBe(0);
    const config = await configVars();
    const [key] = Object.keys(config).filter((k) => /^HEROKU_REDIS_[A-Z]+_URL$/.test(k));
    expect(key).toBeDefined();
    expect(new URL(config[key!]!).hostname).not.toBe(new URL(config.REDIS_URL!).hostname);
    expect(await redisGet(config[key!]!, 'hits')).toBeNull(); // a server of its own
    expect((await addonObjects()).containers).toHaveLength(2);
  });

  it("destroys the app's add-ons with the app: no container, no volume, no kept password left", async () => {
    for (const name of [app, other]) {
      const destroyed = await cli(['apps:destroy', '-a', name, '--confirm', name]);
      expect(destroyed.code, destroyed.stderr).toBe(0);
    }
    expect(await addonObjects()).toEqual({ containers: [], volumes: [], labels: [] });
    expect(await readdir(path.join(server.dataDir, 'addons', 'docker-redis')).catch(() => [])).toEqual([]);
  });
});
