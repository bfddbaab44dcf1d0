import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { requireDocker } from '../support/docker.ts';

/**
 * What only the docker runtime has, end to end (the shared deploy-loop, formation and one-off suites run
 * against docker in their own files): builds in containers, config-free images, locked-down dynos, dynos
 * that outlive a server restart, and garbage collection of release images that keeps every rollback within PLATFORM_IMAGES_TO_KEEP working.
 * Fails (never skips) without a Docker engine and the stack image: see scripts/install-docker.sh.
 */
const docker = requireDocker();

/** Streams `docker save` of an image (every layer, its config, its history) and says whether `needle` occurs in it. */
const savedImageContains = (image: string, needle: string) =>
  new Promise<boolean>((resolve, reject) => {
    const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
    const target = Buffer.from(needle);
    let tail = Buffer.alloc(0);
    let found = false;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (found) return;
      const window = Buffer.concat([tail, chunk]);
      if (window.includes(target)) found = true;
      tail = window.subarray(Math.max(0, window.length - target.length + 1));
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(found) : reject(new Error(`docker save ${image} exited ${code}: ${stderr}`))));
  });

const dockerCli = async (args: string[]) =>
  (await promisify(execFile)('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;

describe('docker runtime: builds in containers, images, restarts, garbage collection', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'dock-e2e';
  const SECRET = `v4lue-${randomBytes(12).toString('hex')}`;
  const serverEnv = { PLATFORM_IMAGES_TO_KEEP: '2', PLATFORM_GRACE_PERIOD: '3' };
  const buildContainers: Array<{ app: string; build: string }> = [];
  let events: NodeJS.ReadableStream | null = null;

  const releases = async () =>
    (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json as Array<{
      version: number;
      current: boolean;
      slug: { id: string } | null;
    }>;
  const imageOf = (buildId: string) => `platform/${app}:${buildId}`;
  const imageExists = (image: string) => docker.getImage(image).inspect().then(() => true, () => false);
  const webDynos = async () =>
    (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/dynos`)).json.filter(
      (d: { type: string; state: string }) => d.type === 'web' && d.state === 'up',
    ) as Array<{ id: string; name: string }>;
  const push = async () => {
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    return r;
  };

  beforeAll(async () => {
    // Build containers are created and removed within a push: docker's event stream is how we see them.
    events = (await docker.getEvents({
      filters: { type: ['container'], event: ['create'], label: ['platform.build-container=1'] },
    })) as NodeJS.ReadableStream;
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const attrs = (JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes ?? {};
        if (attrs['platform.build']) buildContainers.push({ app: attrs['platform.app'] ?? '', build: attrs['platform.build'] });
      }
    });
    server = await startServer({ runtime: 'docker', env: serverEnv });
    env = await createUserEnv();
    repo = await fixtureRepo('web-app', env);
    expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    expect((await platform(['config:set', `SECRET_TOKEN=${SECRET}`], { cwd: repo, env })).code).toBe(0);
  });
  afterAll(async () => {
    (events as unknown as { destroy?: () => void } | null)?.destroy?.();
    if (server) {
      // Containers are not removed by a server stop (they outlive restarts): remove this file's, then its images.
      await server.destroy();
      const left = await docker.listContainers({ all: true, filters: { label: [`platform.app=${app}`] } });
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
      const images = await docker.listImages({ filters: { label: [`platform.app=${app}`] } });
      await Promise.all(images.map((i) => docker.getImage(i.Id).remove({ force: true }).catch(() => {})));
    }
  });

  it('builds in a build container (removed afterwards), with output streamed to git push', async () => {
    const r = await push();
    expect(r.stderr).toMatch(/remote: -----> Procfile app detected/);
    expect(r.stderr).toMatch(/remote:\s+Image platform\/dock-e2e:/);
    const build = (await releases()).find((x) => x.current)!.slug!.id;
    await eventually(async () => buildContainers.some((c) => c.app === app && c.build === build), 10_000, 'the build container event');
    const left = await docker.listContainers({ all: true, filters: { label: ['platform.build-container=1', `platform.app=${app}`] } });
    expect(left).toHaveLength(0);
    expect((await getViaRouter(server.routerUrl, app)).body).toMatch(/hello from web-app/);
  });

  it('keeps config out of the image: not in its config, labels, layers or history', async () => {
    const build = (await releases()).find((x) => x.current)!.slug!.id;
    const inspect = await dockerCli(['image', 'inspect', imageOf(build)]);
    const history = await dockerCli(['history', '--no-trunc', imageOf(build)]);
    for (const text of [inspect, history]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('SECRET_TOKEN');
    }
    // The layers themselves: the whole saved image (every layer tar, its config and manifest) holds no config value.
    expect(await savedImageContains(imageOf(build), SECRET)).toBe(false);
    expect(await savedImageContains(imageOf(build), 'web-app listening on')).toBe(true); // the scan sees the slug
  });

  it('runs dynos as a non-root user, without the Docker socket or host mounts', async () => {
    const [web] = await webDynos();
    const info = await docker.getContainer(web!.id).inspect();
    expect(info.Config.User).not.toMatch(/^(0|root)?(:|$)/);
    expect(info.HostConfig.Binds ?? []).toEqual([]);
    expect(info.Mounts).toEqual([]);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    const out = await dockerCli(['exec', web!.id, 'bash', '-c',
      'echo "uid=$(id -u)"; if [ -e /var/run/docker.sock ] || [ -e /run/docker.sock ]; then echo sock=yes; else echo sock=no; fi; echo "has-secret=${SECRET_TOKEN:+yes}"']);
    expect(out).toContain('uid=1000');
    expect(out).toContain('sock=no');
    expect(out).toContain('has-secret=yes'); // config reaches the dyno at create, and only there
  });

  it(`prunes images beyond the last ${serverEnv.PLATFORM_IMAGES_TO_KEEP} releases after a deploy; a rollback within them works`, async () => {
    const currentBuild = async () => (await releases()).find((x) => x.current)!.slug!.id;
    const first = await currentBuild();
    const original = await readFile(path.join(repo, 'server.js'), 'utf8');
    await commitFile(repo, env, 'server.js', original.replace('from web-app', 'from build-2'), 'build 2');
    await push();
    const second = await currentBuild();
    await commitFile(repo, env, 'server.js', original.replace('from web-app', 'from build-3'), 'build 3');
    await push();
    const third = await currentBuild();
    expect(new Set([first, second, third]).size).toBe(3);

    // Automatically, after the deploy: only the first build's image falls out of the last two releases.
    await eventually(async () => !(await imageExists(imageOf(first))), 30_000, 'the first image to be pruned');
    expect(await imageExists(imageOf(second))).toBe(true);
    expect(await imageExists(imageOf(third))).toBe(true);
    // On demand (admins only): nothing more to remove.
    const pruned = await platform(['images:prune', '--json'], { cwd: repo, env });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({ removed: [], kept_releases_per_app: 2 });

    const target = (await releases()).find((x) => x.slug?.id === second)!.version;
    const rollback = await platform(['rollback', `v${target}`], { cwd: repo, env });
    expect(rollback.code, rollback.stderr).toBe(0);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body.includes('from build-2'), 60_000, 'the rolled-back code');
    expect((await api(server.apiUrl, server.token, 'POST', '/admin/prune-images')).json.removed).toEqual([]);
    expect(await imageExists(imageOf(third))).toBe(true);

    // Beyond them too: the first release's image was collected, and is recreated from its slug (no rebuild).
    const oldest = (await releases()).find((x) => x.slug?.id === first)!.version;
    const far = await platform(['rollback', `v${oldest}`], { cwd: repo, env });
    expect(far.code, far.stderr).toBe(0);
    expect(far.stdout).not.toMatch(/Building|npm/);
    expect(await imageExists(imageOf(first))).toBe(true);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body.includes('from web-app'), 60_000, 'the oldest code');
    // Back to build 2 for what follows.
    expect((await platform(['rollback', `v${target}`], { cwd: repo, env })).code).toBe(0);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body.includes('from build-2'), 60_000, 'build 2 again');
  });

  it('a server restart (SIGTERM, start on the same data dir) leaves running dynos untouched, the app answering', async () => {
    const running = async () =>
      (await docker.listContainers({ filters: { label: [`platform.app=${app}`], status: ['running'] } })).map((c) => c.Id).sort();
    // Settled: only the current release's web dyno runs (the rollback's retired dyno is gone).
    await eventually(async () => (await running()).length === 1, 30_000, 'one running dyno');
    const before = await running();
    const dataDir = server.dataDir;
    expect(await server.stop()).toBe(0);
    expect(await running()).toEqual(before);
    // The new server's router gets a known port, hammered from before it listens: once it accepts a connection,
    // the adopted dyno is already routed (issue 20: no start-up 503).
    const routerPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const res = await getViaRouter(`http://127.0.0.1:${routerPort}`, app).catch(() => null);
        if (res) statuses.push(res.status);
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    server = await startServer({ runtime: 'docker', dataDir, env: { ...serverEnv, PLATFORM_ROUTER_PORT: String(routerPort) } });
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).body.includes('from build-2'), 30_000, 'the app behind the new router');
    polling = false;
    await poller;
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(await running()).toEqual(before);
    expect((await webDynos()).map((d) => d.id)).toEqual(before);
  });
});
