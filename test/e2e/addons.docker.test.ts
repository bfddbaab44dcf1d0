import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { reachableUrl } from '@platform/addon-postgres-docker';
import { requireDocker } from '../support/docker.ts';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { canConnectPostgres } from '../support/postgres-client.ts';

const docker = requireDocker();

/**
 * PostgreSQL add-ons on the docker runtime (issue 17): `addons:create` runs a PostgreSQL container for the add-on on
 * the app's network and attaches it as DATABASE_URL (its host: the container's name); the same tiny app as the
 * process test migrates it in its release phase and reads and writes rows; rotation restarts the app on new
 * credentials; a restarted platformd adopts the container; `addons:attach` to a second app puts the container on that
 * app's network too (and `addons:detach`, or destroying that app, takes it off); destroying an add-on or the app
 * leaves no container and no volume.
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
    return reachable !== null && (await canConnectPostgres(reachable));
  }

  async function configVars(): Promise<Record<string, string>> {
    const r = await cli(['config', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  }

  /** The networks the add-on's container is on, by name. */
  async function addonNetworks(container: string): Promise<string[]> {
    return Object.keys((await docker.getContainer(container).inspect()).NetworkSettings.Networks).sort();
  }

  /** The networks this platform made for an app, found by the docker runtime's labels. */
  async function appNetworks(id: string): Promise<string[]> {
    const instance = (await readFile(path.join(server.dataDir, 'instance-id'), 'utf8')).trim();
    const found = await docker.listNetworks({ filters: { label: [`platform.managed=${instance}`, `platform.app-id=${id}`] } });
    return found.map((n) => n.Name);
  }

  /**
   * From inside a running web dyno of `name` (a container on its network): a TCP connection to `host`:5432 —
   * `open`, or why not (`ENOTFOUND` when the name does not resolve, `timeout`, `ECONNREFUSED`, …).
   */
  async function probeFromDyno(name: string, host: string): Promise<string> {
    const [dyno] = await docker.listContainers({ filters: { label: [`platform.app=${name}`, 'platform.type=web'] } });
    if (!dyno) throw new Error(`${name} has no running web dyno`);
    const script = [
      "const s = require('net').connect({ host: process.argv[1], port: 5432, timeout: 5000 });",
      "s.on('connect', () => { console.log('probe:open'); process.exit(0); });",
      "s.on('timeout', () => { console.log('probe:timeout'); process.exit(3); });",
      "s.on('error', (e) => { console.log('probe:' + e.code); process.exit(4); });",
    ].join('\n');
    const exec = await docker.getContainer(dyno.Id).exec({ Cmd: ['/app/.heroku/node/bin/node', '-e', script, host], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    const output = Buffer.concat(chunks).toString('utf8');
    return /probe:(\S+)/.exec(output)?.[1] ?? `no answer: ${output}`;
  }

  /** Stops platformd and starts it again on the same data dir; the CLI and the git remote follow its new port. */
  async function restartServer(): Promise<void> {
    await server.stop();
    server = await startServer({ runtime: 'docker', dataDir: server.dataDir });
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    await git(repo, env, ['remote', 'set-url', 'platform', `${server.apiUrl}/${app}.git`]);
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
    await restartServer();
    expect((await docker.listContainers({ filters: { label: [`platform.addon.app-id=${appId}`] } })).map((c) => c.Id)).toEqual([before]);
    expect((await configVars()).DATABASE_URL).toBe(url);
    const info = await cli(['pg:info']);
    expect(info.stdout).toMatch(/Status:\s+Available/);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body === 'visits: 4\n' || null, 90_000, 'the app after the restart');
  });

  it('backs the container database up and restores it (pg_dump and pg_restore reach the container by its address)', async () => {
    const capture = await cli(['pg:backups:capture']);
    expect(capture.code, capture.stderr).toBe(0);
    expect(capture.stdout).toMatch(/^DATABASE ---backup---> b001\n/);
    // A visit after the backup, then the restore takes it back: the next visit counts the same again.
    expect((await getViaRouter(server.routerUrl, app)).body).toBe('visits: 5\n');
    const restore = await cli(['pg:backups:restore', 'b001', 'DATABASE', '--confirm', app]);
    expect(restore.code, restore.stderr).toBe(0);
    expect((await getViaRouter(server.routerUrl, app)).body).toBe('visits: 5\n');
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

  it('shares the database with a second app on its network: addons:attach, addons:detach and that app’s destroy', async () => {
    const other = 'addon-pg-docker-b';
    const ok = async (args: string[]) => {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r;
    };
    const configOf = async (name: string) => JSON.parse((await ok(['config', '--json', '-a', name])).stdout) as Record<string, string>;
    const count = (name: string) =>
      eventually(async () => {
        const r = await getViaRouter(server.routerUrl, name);
        const visits = /^visits: (\d+)$/.exec(r.body.trim());
        if (r.status !== 200 || !visits) throw new Error(`${r.status} ${r.body.trim()}`);
        return Number(visits[1]);
      }, 90_000, `${name} to count a visit`);
    const url = (await configVars()).DATABASE_URL!;
    const container = new URL(url).hostname;
    const addon = /^(postgresql-[a-z]+-\d{5}) \(DATABASE\)/m.exec((await ok(['addons'])).stdout)![1]!;
    const [own] = await appNetworks(appId);
    expect(await addonNetworks(container)).toEqual([own]);

    // The second app uses the var it is attached as (the fixture reads the var DATABASE_VAR names).
    await ok(['apps:create', other, '--no-remote']);
    const otherId = (await api(server.apiUrl, server.token, 'GET', `/apps/${other}`)).json.id as string;
    await ok(['config:set', 'DATABASE_VAR=SHARED_URL', '-a', other]);
    const attached = await ok(['addons:attach', addon, '-a', other, '--as', 'SHARED']);
    expect(attached.stdout).toContain(`Attaching ${addon} as SHARED to ${other}... done`);
    expect((await configOf(other)).SHARED_URL).toBe(url);
    const [theirs] = await appNetworks(otherId);
    expect(theirs).toBeDefined();
    expect(await addonNetworks(container)).toEqual([own!, theirs!].sort());

    // Deployed, it migrates and writes rows through SHARED_URL: the same table the first app counts in.
    const push = await run('git', ['push', `${server.apiUrl}/${other}.git`, 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('addon-pg-app: migrated');
    const mine = await count(app);
    expect(await count(other)).toBe(mine + 1);
    expect(await count(app)).toBe(mine + 2);
    expect(await probeFromDyno(other, container)).toBe('open');

    // Detached: a release without SHARED_URL, and the container leaves the app's network (name and address).
    const address = (await docker.getContainer(container).inspect()).NetworkSettings.Networks[own!]!.IPAddress;
    const detached = await ok(['addons:detach', 'SHARED', '-a', other]);
    expect(detached.stdout).toContain(`Detaching SHARED to ${addon} from ${other}... done`);
    expect((await configOf(other)).SHARED_URL).toBeUndefined();
    const [latest] = JSON.parse((await ok(['releases', '--json', '-a', other])).stdout) as { description: string }[];
    expect(latest!.description).toContain('Detach SHARED');
    expect(await addonNetworks(container)).toEqual([own]);
    expect(await probeFromDyno(other, container)).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    expect(await probeFromDyno(other, address)).not.toBe('open');

    // A platformd that died before taking it off (simulated: put back by hand) does so at its next start.
    await docker.getNetwork(theirs!).connect({ Container: container, EndpointConfig: { Aliases: [container] } });
    await restartServer();
    expect(await addonNetworks(container)).toEqual([own]);
    expect(await probeFromDyno(other, container)).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);

    // Attached again, then the app destroyed: its network goes (the add-on left it first), the owner counts on.
    await ok(['addons:attach', addon, '-a', other, '--as', 'SHARED']);
    expect(await addonNetworks(container)).toEqual([own!, theirs!].sort());
    expect(await count(other)).toBeGreaterThan(mine + 2);
    await ok(['apps:destroy', '-a', other, '--confirm', other]);
    expect(await appNetworks(otherId)).toEqual([]);
    expect(await addonNetworks(container)).toEqual([own]);
    expect((await configVars()).DATABASE_URL).toBe(url);
    expect(await count(app)).toBeGreaterThan(mine + 3);
  });

  it('destroys the app’s add-ons with the app: no container, no volume, no kept password left', async () => {
    const destroyed = await cli(['apps:destroy', '--confirm', app]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(await addonObjects()).toEqual({ containers: [], volumes: [] });
    expect(await appNetworks(appId)).toEqual([]);
    expect(await readdir(path.join(server.dataDir, 'addons', 'docker')).catch(() => [])).toEqual([]);
  });
});
