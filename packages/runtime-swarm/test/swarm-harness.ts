import { createHash, randomUUID } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { packDirectory } from '@platform/archive';
import type { Artifact } from '@platform/types';
import type { RuntimeLogger } from '@platform/runtime-kit';
// Release images are the docker builder's artifact: the swarm tests make theirs the same way, on the swarm's engine.
import { createReleaseImage, pushReleaseImage } from '@platform/builder-docker';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const SANDBOX = join(REPO_ROOT, 'scripts', 'sandbox-swarm.sh');
export const STACK_IMAGE = 'platform/stack:latest';

/** The sandbox swarm of scripts/sandbox-swarm.sh, as the tests use it: a manager and a worker node. */
export interface SwarmSandbox {
  /** A dockerode client of its manager. */
  docker: Docker;
  /** The registry both nodes pull from (`127.0.0.1:5000` on each). */
  registry: string;
  /** The manager node's address, reached from this machine. */
  nodeAddress: string;
  /** Where this machine reaches the registry's HTTP API (`http://198.51.100.1:5000`). */
  registryUrl: string;
  /** The worker node: its own engine (never a manager: Swarm's API answers only on the manager), address, name. */
  worker: { docker: Docker; address: string; hostname: string };
  /** Both nodes' addresses: a dyno published in host mode is reached at one of them. */
  nodeAddresses: string[];
  /**
   * Each node's Docker socket as a Swarm mount template (`/run/platform-swarm-nodes/{{.Node.Hostname}}.sock`,
   * links made by `requireSwarm`): the sandbox's engines share one filesystem, so their sockets have paths of
   * their own, where a real node has /var/run/docker.sock.
   */
  nodeSocket: string;
}

const NODE_SOCKETS = '/run/platform-swarm-nodes';

/** Links `<NODE_SOCKETS>/<hostname>.sock` to each sandbox node's socket (idempotent). */
async function linkNodeSockets(links: Array<[hostname: string, socket: string]>): Promise<void> {
  await mkdir(NODE_SOCKETS, { recursive: true });
  for (const [hostname, socket] of links) {
    // Made beside and renamed over: another test file's job may use the link meanwhile.
    const fresh = join(NODE_SOCKETS, `.${hostname}.${process.pid}`);
    await rm(fresh, { force: true });
    await symlink(socket, fresh);
    await rename(fresh, join(NODE_SOCKETS, `${hostname}.sock`));
  }
}

const run = promisify(execFile);

async function sandboxEnv(command: 'env' | 'up'): Promise<Record<string, string>> {
  const { stdout } = await run('bash', [SANDBOX, command], { cwd: REPO_ROOT, timeout: 240_000 });
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * The sandbox swarm, with the test lock held until the file ends (`holdSwarmLock`; shared unless `lock` says), brought up when it is not (as root: `scripts/sandbox-swarm.sh up`, about 30 s; taken down
 * again at the end of the test run), or the reason there is none. Where it cannot be created the swarm tests say so and skip, unless PLATFORM_TEST_SWARM=required
 * (scripts/test.sh, CI), where that is a failure.
 */
export async function requireSwarm(
  options: { lock?: 'shared' | 'exclusive' | 'none' } = {},
): Promise<SwarmSandbox | { skip: string }> {
  let env: Record<string, string> | undefined;
  try {
    env = await sandboxEnv('env');
  } catch {
    env = undefined;
  }
  // `env` leaves the worker's lines out while it is not up: `up` adds what is missing.
  if (!env?.PLATFORM_SWARM_WORKER_DOCKER_HOST) {
    try {
      const managerWasUp = env !== undefined;
      env = await sandboxEnv('up');
      // The run's global teardown (test/support/global-setup.ts, SWARM_MARKER) takes down what a test brought up.
      if (!managerWasUp) await writeFile(join(tmpdir(), 'sandbox-swarm-brought-up'), 'up\n');
    } catch (err) {
      const why = `the sandbox swarm could not be created (${String(
        (err as { stderr?: string }).stderr ?? err,
      )
        .trim()
        .split('\n')
        .at(-1)}); run: sudo bash scripts/sandbox-swarm.sh up`;
      if (process.env.PLATFORM_TEST_SWARM === 'required') throw new Error(why);
      return { skip: why };
    }
  }
  // Held until the test file ends; `none` for callers outside vitest (the bench takes the lock itself).
  // (vitest is imported here only: importing it outside a test run throws.)
  if (options.lock !== 'none') (await import('vitest')).afterAll(await holdSwarmLock(options.lock ?? 'shared'));
  const socket = (key: string) => env[key]!.replace(/^unix:\/\//, '');
  const docker = new Docker({ socketPath: socket('PLATFORM_SWARM_DOCKER_HOST') });
  // Only the node collection's tests need them: where /run is not writable, those report the job's failure.
  await (async () =>
    linkNodeSockets([
      [((await docker.info()) as { Name: string }).Name, socket('PLATFORM_SWARM_DOCKER_HOST')],
      [env.PLATFORM_SWARM_WORKER_HOSTNAME!, socket('PLATFORM_SWARM_WORKER_DOCKER_HOST')],
    ]))().catch(() => undefined);
  return {
    docker,
    registry: env.PLATFORM_SWARM_REGISTRY!,
    nodeAddress: env.PLATFORM_SWARM_NODE_ADDRESS!,
    registryUrl: env.PLATFORM_SWARM_REGISTRY_URL!,
    worker: {
      docker: new Docker({ socketPath: socket('PLATFORM_SWARM_WORKER_DOCKER_HOST') }),
      address: env.PLATFORM_SWARM_WORKER_ADDRESS!,
      hostname: env.PLATFORM_SWARM_WORKER_HOSTNAME!,
    },
    nodeAddresses: [env.PLATFORM_SWARM_NODE_ADDRESS!, env.PLATFORM_SWARM_WORKER_ADDRESS!],
    nodeSocket: `${NODE_SOCKETS}/{{.Node.Hostname}}.sock`,
  };
}

/**
 * platformd's settings for the sandbox swarm (no PLATFORM_RUNTIME: callers add `swarm`): its manager's engine, its
 * registry as the nodes name it and as this machine reaches its API, dynos reached where their node publishes
 * $PORT (platformd runs outside the swarm's overlays), and no dyno firewall (the dynos are not on this host).
 */
export function swarmServerEnv(sandbox: Pick<SwarmSandbox, 'docker' | 'registry' | 'registryUrl' | 'nodeSocket'>): Record<string, string> {
  return {
    PLATFORM_SWARM_NODE_SOCKET: sandbox.nodeSocket,
    PLATFORM_SWARM_DOCKER_HOST: `unix://${(sandbox.docker.modem as unknown as { socketPath: string }).socketPath}`,
    PLATFORM_REGISTRY: sandbox.registry,
    PLATFORM_REGISTRY_URL: sandbox.registryUrl,
    PLATFORM_SWARM_ADDRESSES: 'published',
    PLATFORM_DYNO_FIREWALL: 'off',
  };
}

/**
 * Holds the sandbox's test lock (flock(1) on /run/platform-swarm-tests.lock) until the returned release is
 * called: shared for ordinary swarm test files, exclusive for the drills that disturb a node (a drain, a stopped
 * worker, the registry or the manager's engine restarted), so that those never run beside another swarm test file.
 * The lock is held by a `flock … cat` child reading a pipe from this process: it ends with this process too.
 */
export async function holdSwarmLock(mode: 'shared' | 'exclusive'): Promise<() => Promise<void>> {
  const child = spawn('flock', [`--${mode}`, '/run/platform-swarm-tests.lock', 'sh', '-c', 'echo held; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`flock exited (${code}) before it held the swarm test lock`)));
  });
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
  };
}

/**
 * Temp dirs, slugs, release images (built on the swarm's engine, pushed to its registry) and a shared overlay
 * for one test file, with a platform instance id of its own; `cleanup()` removes them all.
 */
export async function createSwarmFixtures(sandbox: SwarmSandbox) {
  const { docker, registry } = sandbox;
  const root = await mkdtemp(join(tmpdir(), 'runtime-swarm-test-'));
  const instance = `test-${randomUUID().slice(0, 8)}`;
  const network = `platform-test-${randomUUID().slice(0, 8)}`;
  const images: string[] = [];
  let n = 0;

  async function makeArtifact(files: Record<string, string>, app = 'contract-app'): Promise<Artifact> {
    const src = join(root, `src-${++n}`);
    await mkdir(src, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(src, name)), { recursive: true });
      await writeFile(join(src, name), content);
    }
    const slugPath = join(root, `slug-${n}.tgz`);
    await packDirectory(src, createWriteStream(slugPath), { gzip: true });
    const image = await createReleaseImage({
      docker,
      stackImage: STACK_IMAGE,
      slugPath,
      app,
      appId: randomUUID(),
      buildId: `test-${randomUUID()}`,
    });
    images.push(image, await pushReleaseImage({ docker, image, registry }));
    const slugChecksum = createHash('sha256')
      .update(await readFile(slugPath))
      .digest('hex');
    return { slugPath, slugChecksum, image };
  }

  async function cleanup(): Promise<void> {
    const services = await docker.listServices({ filters: { label: [`platform.managed=${instance}`] } });
    await Promise.all(
      services.map((s) =>
        docker
          .getService(s.ID)
          .remove()
          .catch(() => undefined),
      ),
    );
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`platform.managed=${instance}`] },
    });
    await Promise.all(
      containers.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await Promise.all(
      images.map((image) =>
        docker
          .getImage(image)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    // The overlay goes once Swarm has removed the services' tasks from it.
    for (let attempt = 0; attempt < 50; attempt++) {
      const left = await docker.listNetworks({ filters: { label: [`platform.managed=${instance}`] } });
      const named = await docker.listNetworks({ filters: { name: [network] } });
      const all = [...left, ...named.filter((x) => x.Name === network)];
      if (all.length === 0) break;
      await Promise.all(
        all.map((x) =>
          docker
            .getNetwork(x.Id)
            .remove()
            .catch(() => undefined),
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    await rm(root, { recursive: true, force: true });
  }

  return { root, instance, network, images, makeArtifact, cleanup };
}

/** A logger printing the driver's lines with the time since the file started (PLATFORM_TEST_VERBOSE=1). */
export function stderrLogger(): RuntimeLogger {
  const t0 = Date.now();
  const line = (level: string) => (fields: object, message?: string) =>
    process.stderr.write(
      `[swarm +${Date.now() - t0}ms] ${level} ${message ?? ''} ${JSON.stringify(fields)}\n`,
    );
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  } as RuntimeLogger;
}
