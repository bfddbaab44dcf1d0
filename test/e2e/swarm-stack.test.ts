/**
 * docker-stack.yml runs the platform itself on a swarm: scripts/swarm-deploy.sh copies the images built by
 * scripts/prepare-docker-host.sh into the sandbox swarm's engine, pushes them to its registry and deploys the
 * stack (platformd on PLATFORM_RUNTIME=swarm, PostgreSQL with its password from a Docker secret, HAProxy in a
 * router service). A `git push` to that platformd builds on the manager and runs the dyno as a Swarm service on
 * the stack's attachable overlay, where the stack's router reaches it; `docker stack rm` then leaves nothing of
 * the stack. Skips, saying why, where the sandbox swarm cannot be created (fails under PLATFORM_TEST_SWARM=required).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/platform.ts';
import { createUserEnv, platform, run, type RunResult } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { requireSwarm } from '../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm();
const stack = `plt-stack-${randomBytes(3).toString('hex')}`;
const app = 'stack-e2e';
const dynoNetwork = `${stack}-dynos`;
/**
 * Ports published in host mode on the sandbox's node: above Swarm's range for ports it picks itself (30000–32767,
 * which the swarm runtime's `published` dynos of other test files take), random so that runs do not meet.
 */
const port = (offset: number) => 33_000 + (randomBytes(2).readUInt16BE() % 3_000) * 3 + offset;
const [apiPort, routerPort, tlsPort] = [port(0), port(1), port(2)];
const ofStack = { filters: { label: [`com.docker.stack.namespace=${stack}`] } };

describe.skipIf('skip' in sandbox)(`docker-stack.yml on the sandbox swarm${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const { docker, nodeAddress } = sandbox;
  const engine = `unix://${(docker.modem as unknown as { socketPath: string }).socketPath}`;
  const apiUrl = `http://${nodeAddress}:${apiPort}`;
  const routerUrl = `http://${nodeAddress}:${routerPort}`;
  let dir = '';
  let password = '';
  let token = '';
  let instance = '';
  let labelledHere = false;
  let user: { env: Record<string, string>; repo: string } | null = null;

  /** The docker CLI against the sandbox's manager. */
  const sandboxDocker = (args: string[]): Promise<RunResult> =>
    run('docker', ['--host', engine, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  /** A file of platformd's data volume, read in its container. */
  const serverFile = async (file: string) => {
    const [container] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${stack}_server`] } });
    if (!container) return null;
    const r = await sandboxDocker(['exec', container.Id, 'cat', `/var/lib/platform/${file}`]);
    return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'swarm-stack-'));
    password = randomBytes(16).toString('hex');
    await writeFile(path.join(dir, 'db-password'), `${password}\n`, { mode: 0o600 });
    labelledHere = (await docker.listNodes({ filters: JSON.stringify({ 'node.label': ['platform.control=true'] }) })).length === 0;
    const deployed = await run('bash', ['scripts/swarm-deploy.sh', '--images-from', process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock', stack], {
      cwd: REPO_ROOT,
      timeoutMs: 280_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        DOCKER_HOST: engine,
        PLATFORM_REGISTRY: sandbox.registry,
        PLATFORM_DB_PASSWORD_FILE: path.join(dir, 'db-password'),
        // The manager engine's socket as its node sees it: the sandbox's, not this machine's.
        PLATFORM_DOCKER_SOCKET: engine.replace(/^unix:\/\//, ''),
        PLATFORM_DYNO_NETWORK: dynoNetwork,
        PLATFORM_API_PUBLISH: String(apiPort),
        PLATFORM_ROUTER_PUBLISH: String(routerPort),
        PLATFORM_ROUTER_TLS_PUBLISH: String(tlsPort),
        PLATFORM_PUBLIC_URL: apiUrl,
        // The image prepare-docker-host.sh built (scripts/test.sh), or the one a developer names.
        ...(process.env.PLATFORM_SERVER_IMAGE ? { PLATFORM_SERVER_IMAGE: process.env.PLATFORM_SERVER_IMAGE } : {}),
      },
    });
    expect(deployed.code, `${deployed.stdout}\n${deployed.stderr}`).toBe(0);
    try {
      token = await eventually(() => serverFile('admin-token'), 150_000, 'platformd in the stack to write its admin token');
      instance = (await serverFile('instance-id')) ?? '';
      await eventually(
        async () => (await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => null))?.ok,
        120_000,
        'the stack\'s API to answer on the node',
      );
    } catch (err) {
      // Say why: the tasks' states and platformd's last lines.
      const tasks = await sandboxDocker(['stack', 'ps', '--no-trunc', '--format', '{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}', stack]);
      const logs = await sandboxDocker(['service', 'logs', '--raw', '--tail', '20', `${stack}_server`]);
      throw new Error(`${String(err)}\n${tasks.stdout}${tasks.stderr}\n${logs.stdout.slice(-3000)}${logs.stderr.slice(-3000)}`);
    }
  });

  afterAll(async () => {
    // Whatever a failed run left: the app's dynos, the stack, its volumes, the label this file added.
    if (token) await api(apiUrl, token, 'DELETE', `/apps/${app}`).catch(() => undefined);
    for (const s of await docker.listServices({ filters: { label: [`platform.app=${app}`] } })) {
      await docker.getService(s.ID).remove().catch(() => undefined);
    }
    if ((await docker.listServices(ofStack)).length > 0) await sandboxDocker(['stack', 'rm', stack]);
    await removeVolumes().catch(() => undefined);
    if (labelledHere) {
      const self = ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
      await sandboxDocker(['node', 'update', '--label-rm', 'platform.control', self]);
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** The stack's volumes and those platformd made for builds, once no container holds them. */
  async function removeVolumes(): Promise<void> {
    const ours = (v: { Name: string; Labels?: Record<string, string> | null }) =>
      v.Name.startsWith(`${stack}_`) || (instance !== '' && (v.Labels?.['platform.managed'] === instance || v.Name === `platform-shared-cache-${instance}`));
    await eventually(
      async () => {
        const left = ((await docker.listVolumes()).Volumes ?? []).filter(ours);
        await Promise.all(left.map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
        return ((await docker.listVolumes()).Volumes ?? []).filter(ours).length === 0;
      },
      60_000,
      'the stack\'s volumes to be removed',
    );
  }

  it('runs platformd, PostgreSQL and the router as services, the password only in a secret', async () => {
    const services = await docker.listServices(ofStack);
    expect(services.map((s) => s.Spec?.Name).sort()).toEqual([`${stack}_postgres`, `${stack}_router`, `${stack}_server`]);
    expect(JSON.stringify(services)).not.toContain(password);
    const secrets = await docker.listSecrets(ofStack);
    expect(secrets.map((s) => s.Spec?.Name)).toEqual([`${stack}_db_password`]);
    const overlay = await docker.getNetwork(dynoNetwork).inspect();
    expect(overlay).toMatchObject({ Driver: 'overlay', Attachable: true });
    // Its state is in the stack's PostgreSQL, which answers.
    const health = (await (await fetch(`${apiUrl}/healthz`)).json()) as { database?: string };
    expect(health.database).toBe('ok');
    const logs = await sandboxDocker(['service', 'logs', '--raw', `${stack}_server`]);
    expect(logs.stdout + logs.stderr).not.toContain('embedded PostgreSQL');
    expect(logs.stdout + logs.stderr).toContain('using the swarm runtime');
  });

  it('deploys an app by git push and serves it through the stack\'s router over the overlay', async () => {
    const env = await createUserEnv();
    await writeFile(path.join(env.HOME!, 'token'), token, { mode: 0o600 });
    const login = await platform(['login', '--server', apiUrl, '--token-file', path.join(env.HOME!, 'token')], { env });
    expect(login.code, login.stderr).toBe(0);
    const repo = await fixtureRepo('web-app', env);
    const created = await platform(['apps:create', app], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    user = { env, repo };
    expect(push.stderr).toMatch(/remote:\s+Released v1/);
    const res = await eventually(
      async () => {
        const r = await getViaRouter(routerUrl, app).catch(() => null);
        return r?.status === 200 ? r : null;
      },
      60_000,
      'the app answering through the stack\'s router',
    );
    expect(res.body).toContain('hello from web-app');
    // The dyno is a Swarm service from the registry, on the stack's overlay: that is how the router reached it.
    const [dyno] = await docker.listServices({ filters: { label: [`platform.app=${app}`] } });
    const spec = dyno!.Spec!.TaskTemplate as { ContainerSpec: { Image: string }; Networks?: Array<{ Target: string }> };
    expect(spec.ContainerSpec.Image.startsWith(`${sandbox.registry}/platform/${app}:`)).toBe(true);
    expect(spec.Networks?.map((n) => n.Target)).toContain((await docker.getNetwork(dynoNetwork).inspect()).Id);
    const published = ((dyno!.Endpoint as { Ports?: unknown[] } | undefined)?.Ports ?? []).length;
    expect(published).toBe(0);
  });

  it('reaches every dyno over the overlay, on whichever node Swarm runs it', async () => {
    expect(user, 'the app was deployed').not.toBeNull();
    const scaled = await platform(['ps:scale', 'web=3'], { cwd: user!.repo, env: user!.env });
    expect(scaled.code, scaled.stderr).toBe(0);
    const dynos = await eventually(
      async () => {
        const services = await docker.listServices({ filters: { label: [`platform.app=${app}`] } });
        if (services.length !== 3) return null;
        const tasks = await docker.listTasks({ filters: { service: services.map((x) => x.ID), 'desired-state': ['running'] } });
        const running = tasks.filter((t) => t.Status?.State === 'running');
        return running.length === 3 ? running : null;
      },
      90_000,
      'three running web dynos',
    );
    // The dyno fixture logs `GET / dyno=web.N` for each request it answers. A task Swarm runs joins the router once
    // its health gate passes, a moment later on a loaded machine: requests go in rounds of 20 until every dyno has
    // answered one (random balancing: a round misses one of 3 routed dynos with a chance of 3·(2/3)^20, about 1e-3).
    const [router] = await docker.listTasks({ filters: { service: [`${stack}_router`], 'desired-state': ['running'] } });
    const statuses: number[] = [];
    const served = await eventually(
      async () => {
        for (let i = 0; i < 20; i++) statuses.push((await getViaRouter(routerUrl, app, `/?n=${statuses.length}`)).status);
        const counts = await Promise.all(
          dynos.map(async (t) => {
            const logs = await sandboxDocker(['service', 'logs', '--raw', t.ServiceID as string]);
            return (logs.stdout.match(/GET \/\?n=\d+ dyno=web\.\d/g) ?? []).length;
          }),
        );
        return counts.every((c) => c > 0) ? counts : null;
      },
      90_000,
      'every dyno to have answered a request through the router',
    );
    // Every request answered, none lost while dynos joined the router.
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(served).toHaveLength(3);
    // Where they ran (a dyno on another node than the router's proves the overlay across nodes; the sandbox
    // swarm has one node unless a worker was joined to it).
    const elsewhere = dynos.filter((t) => t.NodeID !== router!.NodeID).length;
    process.stderr.write(`swarm-stack: ${elsewhere} of 3 dynos ran on another node than the router's\n`);
  });

  it('keeps serving while Swarm replaces platformd, whose successor adopts the dynos', async () => {
    const before = (await docker.listServices({ filters: { label: [`platform.app=${app}`] } })).map((x) => x.ID).sort();
    expect(before).toHaveLength(3);
    const oldServer = (await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${stack}_server`] } }))[0]!.Id;
    // Requests one after another, as a user's traffic, while the server task is stopped and started again.
    let replacing = true;
    const failures: string[] = [];
    let served = 0;
    const traffic = (async () => {
      while (replacing) {
        const r = await getViaRouter(routerUrl, app).catch((err: unknown) => ({ status: 0, body: String(err) }));
        if (r.status === 200) served++;
        else failures.push(`${r.status} ${r.body.slice(0, 100)}`);
      }
    })();
    const replaced = await sandboxDocker(['service', 'update', '--force', '--detach', `${stack}_server`]);
    expect(replaced.code, replaced.stderr).toBe(0);
    await eventually(
      async () => {
        const [c] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${stack}_server`] } });
        if (!c || c.Id === oldServer) return false;
        return (await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => null))?.ok;
      },
      120_000,
      'a new platformd to answer',
    );
    const ps = await api(apiUrl, token, 'GET', `/apps/${app}/dynos`);
    replacing = false;
    await traffic;
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(0);
    expect(ps.status).toBe(200);
    expect((ps.json as Array<{ name: string; state: string }>).map((d) => `${d.name} ${d.state}`).sort()).toEqual(['web.1 up', 'web.2 up', 'web.3 up']);
    // Adopted, not started again: the same three services.
    const after = (await docker.listServices({ filters: { label: [`platform.app=${app}`] } })).map((x) => x.ID).sort();
    expect(after).toEqual(before);
  });

  it('is removed whole by docker stack rm once the apps are destroyed', async () => {
    const destroyed = await api(apiUrl, token, 'DELETE', `/apps/${app}`);
    expect(destroyed.status).toBe(200);
    await eventually(
      async () => (await docker.listServices({ filters: { label: [`platform.app=${app}`] } })).length === 0,
      60_000,
      'the app\'s dyno services to go',
    );
    const removed = await sandboxDocker(['stack', 'rm', stack]);
    expect(removed.code, removed.stderr).toBe(0);
    await eventually(
      async () =>
        (await docker.listServices(ofStack)).length === 0 &&
        (await docker.listNetworks(ofStack)).length === 0 &&
        (await docker.listSecrets(ofStack)).length === 0 &&
        (await docker.listContainers({ all: true, ...ofStack })).length === 0,
      90_000,
      'the stack\'s services, networks, secrets and containers to go',
    );
    expect((await docker.listNetworks({ filters: { name: [dynoNetwork] } })).filter((n) => n.Name === dynoNetwork)).toEqual([]);
    await removeVolumes();
  });
});

describe('scripts/swarm-deploy.sh', () => {
  it('refuses a bad stack name, a missing registry or password file, saying which, before touching an engine', async () => {
    const deploy = (args: string[], env: Record<string, string>) =>
      run('bash', ['scripts/swarm-deploy.sh', ...args], {
        cwd: REPO_ROOT,
        // An engine that does not exist: the script must stop before it asks one anything.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DOCKER_HOST: 'unix:///nonexistent/docker.sock', ...env },
      });
    const badName = await deploy(['Bad_Name;rm'], { PLATFORM_REGISTRY: '127.0.0.1:5000', PLATFORM_DB_PASSWORD_FILE: path.join(REPO_ROOT, 'package.json') });
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toContain('the stack name must be lower-case letters, digits and dashes');
    const noRegistry = await deploy(['platform'], { PLATFORM_DB_PASSWORD_FILE: path.join(REPO_ROOT, 'package.json') });
    expect(noRegistry.code).not.toBe(0);
    expect(noRegistry.stderr).toContain('set PLATFORM_REGISTRY');
    const noPassword = await deploy(['platform'], { PLATFORM_REGISTRY: '127.0.0.1:5000' });
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toContain('set PLATFORM_DB_PASSWORD_FILE');
    const noManager = await deploy(['platform'], { PLATFORM_REGISTRY: '127.0.0.1:5000', PLATFORM_DB_PASSWORD_FILE: path.join(REPO_ROOT, 'package.json') });
    expect(noManager.code).not.toBe(0);
    expect(noManager.stderr).toContain('is not a swarm manager');
  });
});
