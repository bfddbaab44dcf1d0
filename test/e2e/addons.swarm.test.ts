/**
 * PostgreSQL add-ons on the swarm runtime (issue 19): platformd with PLATFORM_RUNTIME=swarm on the sandbox swarm
 * (scripts/sandbox-swarm.sh). `addons:create heroku-postgresql` runs a Swarm service on the app's overlay, pinned
 * to the manager's node where its volume lives, and attaches it as DATABASE_URL (its host: the service's name);
 * the release phase migrates it and every web dyno, on either node, reads and writes rows through it; a restarted
 * platformd finds the service again (one, not two) and the app keeps answering; `addons:destroy` removes the
 * service, its volume and its secret. Skips, saying why, where the sandbox cannot be created.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';
import { requireSwarm, swarmServerEnv } from '../../packages/runtime-swarm/test/swarm-harness.ts';
import { ADDON_IMAGES, loadImageOnManager } from '../../packages/addon-swarm/test/support.ts';

const sandbox = await requireSwarm();

describe.skipIf('skip' in sandbox)(`PostgreSQL add-ons (swarm runtime)${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const { docker, worker } = sandbox;
  const app = 'addon-pg-swarm';
  const other = 'addon-pg-swarm-other';
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let instance = '';
  const cli = (args: string[]) => platform(args, { cwd: repo, env });
  const serverEnv = { PLATFORM_RUNTIME: 'swarm', ...swarmServerEnv(sandbox) };
  const addonFilter = () => ({ label: [`platform.addon.instance=${instance}`] });

  /** This platform's add-on services, volumes and secrets, by label. */
  async function addonObjects(): Promise<{ services: string[]; volumes: string[]; secrets: string[] }> {
    const services = await docker.listServices({ filters: addonFilter() });
    const volumes = (await docker.listVolumes({ filters: addonFilter() })).Volumes ?? [];
    const secrets = (await docker.listSecrets({ filters: addonFilter() })) as Array<{ Spec?: { Name?: string } }>;
    return {
      services: services.map((s) => s.Spec?.Name ?? '').sort(),
      volumes: volumes.map((v) => v.Name).sort(),
      secrets: secrets.map((s) => s.Spec?.Name ?? '').sort(),
    };
  }

  async function databaseUrl(): Promise<string> {
    const r = await cli(['config', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Record<string, string>).DATABASE_URL ?? '';
  }

  /** Each running web dyno: its node's hostname and the body it answers when asked directly (its published port). */
  async function askEveryDyno(): Promise<Array<{ node: string; body: string }>> {
    const services = await docker.listServices({ filters: { label: [`platform.managed=${instance}`, `platform.app=${app}`, 'platform.type=web'] } });
    const answers: Array<{ node: string; body: string }> = [];
    for (const service of services) {
      const tasks = (await docker.listTasks({ filters: { service: [service.ID], 'desired-state': ['running'] } })) as Array<{
        NodeID: string;
        Status?: { State?: string; PortStatus?: { Ports?: Array<{ PublishedPort?: number }> } };
      }>;
      const task = tasks.find((t) => t.Status?.State === 'running');
      const port = task?.Status?.PortStatus?.Ports?.[0]?.PublishedPort;
      if (!task || !port) continue;
      const node = (await docker.getNode(task.NodeID).inspect()) as { Status: { Addr: string }; Description: { Hostname: string } };
      const res = await fetch(`http://${node.Status.Addr}:${port}/`, { signal: AbortSignal.timeout(15_000) });
      answers.push({ node: node.Description.Hostname, body: await res.text() });
    }
    return answers;
  }

  /**
   * From inside a running web dyno of `name` (a task container on whichever node runs it): a TCP connection to
   * `host`:5432 — `open`, or why not (`ENOTFOUND`/`EAI_AGAIN`/`lookup-timeout` when the name does not resolve on
   * its overlay, `timeout` when it resolves but does not answer, …).
   */
  async function probeFromDyno(name: string, host: string): Promise<string> {
    const filters = { label: [`platform.managed=${instance}`, `platform.app=${name}`, 'platform.type=web'] };
    for (const engine of [docker, worker.docker]) {
      const [dyno] = await engine.listContainers({ filters });
      if (!dyno) continue;
      // The name first (a lookup that never answers, where the node has no outside DNS, is `lookup-timeout`), then TCP.
      const script = [
        "const timer = setTimeout(() => { console.log('probe:lookup-timeout'); process.exit(5); }, 20000);",
        "require('dns').lookup(process.argv[1], (err, address) => {",
        "  clearTimeout(timer);",
        "  if (err) { console.log('probe:' + err.code); process.exit(4); }",
        "  const s = require('net').connect({ host: address, port: 5432, timeout: 5000 });",
        "  s.on('connect', () => { console.log('probe:open'); process.exit(0); });",
        "  s.on('timeout', () => { console.log('probe:timeout'); process.exit(3); });",
        "  s.on('error', (e) => { console.log('probe:' + e.code); process.exit(4); });",
        "});",
      ].join('\n');
      const exec = await engine.getContainer(dyno.Id).exec({ Cmd: ['node', '-e', script, host], AttachStdout: true, AttachStderr: true });
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
    throw new Error(`${name} has no running web dyno on either node`);
  }

  const visits = () =>
    eventually(async () => {
      const r = await getViaRouter(server.routerUrl, app);
      return r.status === 200 ? r.body : null;
    }, 90_000, 'the web dyno answering through the router');

  beforeAll(async () => {
    await loadImageOnManager(docker, ADDON_IMAGES.postgresql, 'bash scripts/build-postgres-image.sh');
    server = await startServer({ env: serverEnv });
    instance = (await readFile(path.join(server.dataDir, 'instance-id'), 'utf8')).trim();
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    // The stack image has psql, which the fixture's db.js uses when the app has no `pg` package.
    repo = await fixtureRepo('addon-pg-app', env);
    const created = await cli(['apps:create', app]);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    if (server) await cli(['apps:destroy', app, '--confirm', app]).catch(() => undefined);
    if (server) await cli(['apps:destroy', other, '--confirm', other]).catch(() => undefined);
    await server?.destroy();
    // Never an unfiltered list (other sessions use the swarm): only this platform instance's objects.
    if (instance) {
      for (const s of await docker.listServices({ filters: { label: [`platform.managed=${instance}`] } })) await docker.getService(s.ID).remove().catch(() => undefined);
      for (const s of await docker.listServices({ filters: addonFilter() })) await docker.getService(s.ID).remove().catch(() => undefined);
    }
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('attaches a Swarm service database as DATABASE_URL, its password in a Swarm secret only', async () => {
    const created = await cli(['addons:create', 'heroku-postgresql']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created postgresql-[a-z]+-\d{5} as DATABASE_URL/);
    const url = await databaseUrl();
    expect(url).toMatch(/^postgres:\/\/addon_([0-9a-f]{32}):[^@]+@platform-addon-\1:5432\/addon_\1$/);
    const hex = new URL(url).hostname.slice('platform-addon-'.length);
    expect(await addonObjects()).toEqual({
      services: [`platform-addon-${hex}`],
      volumes: [`platform-addon-${hex}-data`],
      secrets: [`platform-addon-${hex}-superuser`],
    });
    const spec = (await docker.getService(`platform-addon-${hex}`).inspect()) as { Spec: { TaskTemplate: { Placement: { Constraints: string[] } } } };
    const manager = ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    expect(spec.Spec.TaskTemplate.Placement.Constraints).toEqual([`node.id==${manager}`]);
    // Neither the app's password nor platformd's superuser password is in the service's spec or platformd's log.
    const superuser = (await readFile(path.join(server.dataDir, 'addons', 'swarm', `addon_${hex}.password`), 'utf8')).trim();
    for (const secret of [new URL(url).password, superuser]) {
      expect(JSON.stringify(spec)).not.toContain(secret);
      expect(server.output.join('\n')).not.toContain(secret);
    }
  });

  it('migrates it in the release phase, and dynos on either node read and write its rows', async () => {
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('addon-pg-app: migrated');
    expect(await visits()).toMatch(/^visits: \d+\n$/);
    const scaled = await cli(['ps:scale', 'web=2']);
    expect(scaled.code, scaled.stderr).toBe(0);
    const answers = await eventually(async () => {
      const all = await askEveryDyno().catch(() => []);
      return all.length === 2 && all.every((a) => /^visits: \d+\n$/.test(a.body)) ? all : null;
    }, 120_000, 'two web dynos answering from the database');
    // Swarm placed them (one service per dyno); a dyno on the worker reaches the manager's add-on over the overlay.
    const nodes = new Set(answers.map((a) => a.node));
    if (!nodes.has(sandbox.worker.hostname)) {
      // Both landed on the manager: a third dyno goes where there are fewer tasks.
      expect((await cli(['ps:scale', 'web=3'])).code).toBe(0);
      const more = await eventually(async () => {
        const all = await askEveryDyno().catch(() => []);
        return all.length === 3 && all.every((a) => /^visits: \d+\n$/.test(a.body)) ? all : null;
      }, 120_000, 'three web dynos answering from the database');
      for (const a of more) nodes.add(a.node);
    }
    expect([...nodes]).toContain(sandbox.worker.hostname);
  });

  it("is reached by its app's dynos only: another app's dyno, on its own overlay, cannot even resolve its name", async () => {
    const host = new URL(await databaseUrl()).hostname;
    expect(await probeFromDyno(app, host)).toBe('open');
    await deployFixture(server, 'web-app', other);
    await eventually(async () => (await getViaRouter(server.routerUrl, other)).status === 200 || null, 90_000, 'the other app');
    expect(['ENOTFOUND', 'EAI_AGAIN', 'lookup-timeout']).toContain(await probeFromDyno(other, host));
  });

  it('keeps serving the database across a platformd restart, which finds the same service again', async () => {
    const before = await addonObjects();
    await server.stop();
    server = await startServer({ env: serverEnv, dataDir: server.dataDir });
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    await git(repo, env, ['remote', 'set-url', 'platform', `${server.apiUrl}/${app}.git`]);
    expect(await visits()).toMatch(/^visits: \d+\n$/);
    expect(await addonObjects()).toEqual(before);
    // platformd reaches the server again (through its relay): pg:info reads the database's size and tables.
    const info = await cli(['pg:info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/Status:\s+Available/);
  });

  it('backs the database up and restores it (pg_dump and pg_restore on this host, through the relay)', async () => {
    const capture = await cli(['pg:backups:capture']);
    expect(capture.code, capture.stderr).toBe(0);
    expect(capture.stdout).toMatch(/^DATABASE ---backup---> b001\n/);
    // A visit after the backup, then the restore takes it back: the next visit counts the same again.
    const after = (await getViaRouter(server.routerUrl, app)).body;
    expect(after).toMatch(/^visits: \d+\n$/);
    const restore = await cli(['pg:backups:restore', 'b001', 'DATABASE', '--confirm', app]);
    expect(restore.code, restore.stderr).toBe(0);
    expect((await getViaRouter(server.routerUrl, app)).body).toBe(after);
  });

  it('removes the service, its volume and its secret on addons:destroy', async () => {
    const list = await cli(['addons', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const [addon] = JSON.parse(list.stdout) as Array<{ name: string }>;
    const destroyed = await cli(['addons:destroy', addon!.name, '--confirm', app]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(await addonObjects()).toEqual({ services: [], volumes: [], secrets: [] });
    expect(await databaseUrl()).toBe('');
  });
});
