import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { reachableUrl } from '@platform/addon-postgres-docker';
import { requireDocker } from '../support/docker.ts';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';

const docker = requireDocker();

/**
 * PostgreSQL add-ons on the docker runtime (issue 17): `addons:create` runs a PostgreSQL container for the add-on on
 * the app's network and attaches it as DATABASE_URL (its host: the container's name); the same tiny app as the
 * process test migrates it in its release phase and reads and writes rows; rotation restarts the app on new
 * credentials; a restarted platformd adopts the container; destroying an add-on or the app leaves no container and
 * no volume.
 */
describe('PostgreSQL add-ons (docker runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let appId: string;
  const app = 'addon-pg-docker';
  const cli = (args: string[]) => platform(args, { cwd: repo, env });

  /** The add-on containers and volumes of the app, by label. */
  async function addonObjects(): Promise<{ containers: string[]; volumes: string[] }> {
    const label = `platform.addon.app-id=${appId}`;
    const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
    const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
    return { containers: containers.map((c) => c.Names[0]!.replace(/^\//, '')).sort(), volumes: volumes.map((v) => v.Name).sort() };
  }

  /** Connects from this host (through the container's address: only the app's dynos resolve its name). */
  async function canConnect(url: string): Promise<boolean> {
    const reachable = await reachableUrl(docker, url).catch(() => null);
    if (!reachable) return false;
    const client = new pg.Client({ connectionString: reachable, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function configVars(): Promise<Record<string, string>> {
    const r = await cli(['config', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  }

  const visits = () =>
    eventually(async () => {
      const r = await getViaRouter(server.routerUrl, app);
      return r.status === 200 ? r.body : null;
    }, 90_000, 'the web dyno');

  beforeAll(async () => {
    server = await startServer({ runtime: 'docker' });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    repo = await fixtureRepo('addon-pg-app', env);
    // The stack has no Node.js and no psql: the Node.js buildpack installs both Node.js and `pg`, which db.js prefers.
    const manifest = { name: 'addon-pg-app', private: true, engines: { node: '20.x' }, dependencies: { pg: '^8.16.0' } };
    await commitFile(repo, env, 'package.json', `${JSON.stringify(manifest, null, 2)}\n`, 'pg for the docker stack');
    const created = await cli(['apps:create', app]);
    expect(created.code, created.stderr).toBe(0);
    appId = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}`)).json.id as string;
  });
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('attaches a container database as DATABASE_URL that the release phase migrates and the app writes rows to', async () => {
    const created = await cli(['addons:create', 'heroku-postgresql']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created postgresql-[a-z]+-\d{5} as DATABASE_URL/);
    const url = (await configVars()).DATABASE_URL!;
    expect(url).toMatch(/^postgres:\/\/addon_([0-9a-f]{32}):[^@]+@platform-addon-\1:5432\/addon_\1$/);
    expect(server.output.join('\n')).not.toContain(new URL(url).password);
    const hex = new URL(url).hostname.slice('platform-addon-'.length);
    expect(await addonObjects()).toEqual({ containers: [`platform-addon-${hex}`], volumes: [`platform-addon-${hex}-data`] });
    expect(await canConnect(url)).toBe(true);

    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('addon-pg-app: migrated');
    expect(await visits()).toBe('visits: 1\n');
    expect((await getViaRouter(server.routerUrl, app)).body).toBe('visits: 2\n');

    const info = await cli(['pg:info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/Status:\s+Available/);
  });

  it('rotates the credentials: the old URL stops working, the restarted app uses the new one', async () => {
    const before = (await configVars()).DATABASE_URL!;
    const rotated = await cli(['pg:credentials:rotate', 'DATABASE', '--confirm', app]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = (await configVars()).DATABASE_URL!;
    expect(after).not.toBe(before);
    expect(await canConnect(before)).toBe(false);
    expect(await canConnect(after)).toBe(true);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body === 'visits: 3\n' || null, 90_000, 'the app on the new credentials');
  });

  it('keeps the add-on across a platformd restart: its container is adopted, not swept, and the app counts on', async () => {
    const url = (await configVars()).DATABASE_URL!;
    const [before] = (await docker.listContainers({ filters: { label: [`platform.addon.app-id=${appId}`] } })).map((c) => c.Id);
    await server.stop();
    server = await startServer({ runtime: 'docker', dataDir: server.dataDir });
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    await git(repo, env, ['remote', 'set-url', 'platform', `${server.apiUrl}/${app}.git`]); // the new server's port
    expect((await docker.listContainers({ filters: { label: [`platform.addon.app-id=${appId}`] } })).map((c) => c.Id)).toEqual([before]);
    expect((await configVars()).DATABASE_URL).toBe(url);
    const info = await cli(['pg:info']);
    expect(info.stdout).toMatch(/Status:\s+Available/);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body === 'visits: 4\n' || null, 90_000, 'the app after the restart');
  });

  it('runs a second add-on in a container of its own, and addons:destroy removes its container and volume', async () => {
    const created = await cli(['addons:create', 'postgresql', '--as', 'reporting']);
    expect(created.code, created.stderr).toBe(0);
    const config = await configVars();
    expect(new URL(config.REPORTING_URL!).hostname).not.toBe(new URL(config.DATABASE_URL!).hostname);
    expect((await addonObjects()).containers).toHaveLength(2);
    const destroyed = await cli(['addons:destroy', 'REPORTING', '--confirm', app]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect((await configVars()).REPORTING_URL).toBeUndefined();
    const left = await addonObjects();
    expect(left.containers).toHaveLength(1);
    expect(left.volumes).toHaveLength(1);
    expect(await canConnect(config.REPORTING_URL!)).toBe(false);
  });

  it('destroys the app’s add-ons with the app: no container, no volume, no kept password left', async () => {
    const destroyed = await cli(['apps:destroy', '--confirm', app]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(await addonObjects()).toEqual({ containers: [], volumes: [] });
    expect(await readdir(path.join(server.dataDir, 'addons', 'docker')).catch(() => [])).toEqual([]);
  });
});
