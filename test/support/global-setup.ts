import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { REPO_ROOT } from './platform.ts';

/** Written in the run's temp dir by a swarm test that brought the sandbox swarm up (scripts/sandbox-swarm.sh). */
export const SWARM_MARKER = 'sandbox-swarm-brought-up';

/** Docker objects the tests make, by kind, as id → name: those labelled `platform.*`, and compose test projects. */
type Snapshot = Record<'containers' | 'volumes' | 'networks' | 'images', Map<string, string>>;

const ours = (name: string, labels: Record<string, string> | undefined | null) =>
  name.replace(/^\//, '').startsWith('plt-e2e-') ||
  Object.keys(labels ?? {}).some((k) => k.startsWith('platform.')) ||
  (labels?.['com.docker.compose.project'] ?? '').startsWith('plt-e2e-');

const ENGINE_NETWORKS = new Set(['platform', 'platform-builds']);

async function snapshot(docker: Docker): Promise<Snapshot> {
  const [containers, volumes, networks, images] = await Promise.all([
    docker.listContainers({ all: true }),
    docker.listVolumes(),
    docker.listNetworks(),
    docker.listImages(),
  ]);
  return {
    containers: new Map(containers.filter((c) => ours(c.Names?.[0] ?? '', c.Labels)).map((c) => [c.Id, c.Names?.[0] ?? c.Id])),
    volumes: new Map((volumes.Volumes ?? []).filter((v) => ours(v.Name, v.Labels)).map((v) => [v.Name, v.Name])),
    // The shared build and compose networks are the engine's infrastructure, kept like docker0 (not per test).
    networks: new Map(networks.filter((n) => ours(n.Name, n.Labels) && !ENGINE_NETWORKS.has(n.Name)).map((n) => [n.Id, n.Name])),
    images: new Map(images.filter((i) => ours(i.RepoTags?.[0] ?? '', i.Labels)).map((i) => [i.Id, i.RepoTags?.[0] ?? i.Id])),
  };
}

/** Engine reachable? A run without Docker (unit tests alone, say) has nothing to check. */
async function engine(): Promise<Docker | null> {
  const docker = new Docker();
  return (await docker.ping().then(() => true, () => false)) ? docker : null;
}

/** Processes whose working directory lies in this run's temp dir (dynos and builds of its test servers). */
async function strayPids(runDir: string): Promise<number[]> {
  const prefix = runDir + path.sep;
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    // A daemon (the HAProxy a platformd started, which outlives it) works in /, but names its files in argv.
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (cwd.startsWith(prefix) || argv.some((arg) => arg.startsWith(prefix))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * vitest global setup. Before any test: compiles the server and the CLI (scripts/build.mjs, a no-op when they
 * are up to date), so end-to-end tests run the same JavaScript users run. After the last test: whatever the
 * tests left behind — the platform's Docker containers, volumes, networks and images created during the run,
 * processes working in the run's temp dir — is removed and listed, so a failed test cannot leak into the next
 * run or the machine.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
  // Every temp dir of this run (data dirs, repos, homes) lives under one directory of its own, which the test
  // workers inherit through TMPDIR: cleaning up after this run can never touch another run's processes. 0711:
  // dynos run as other users and must reach their directories below it.
  const runDir = await mkdtemp(path.join(tmpdir(), 'platform-test-run-'));
  await chmod(runDir, 0o711);
  process.env.TMPDIR = runDir;
  // PLATFORM_TEST_DOCKER_SWEEP=0: another test run shares this engine (a second checkout, say); this one then
  // leaves Docker alone at the end rather than remove what the other run has made meanwhile.
  const docker = process.env.PLATFORM_TEST_DOCKER_SWEEP === '0' ? null : await engine();
  const before = docker ? await snapshot(docker) : null;
  return async () => {
    const left: string[] = [];
    for (const pid of await strayPids(runDir)) {
      // Its command line says which test left it (read before the kill).
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => c.replaceAll('\0', ' ').trim().slice(0, 160), () => '');
      left.push(`process ${pid}${command ? ` (${command})` : ''}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (docker && before) {
      const after = await snapshot(docker);
      const fresh = (kind: keyof Snapshot) => [...after[kind]].filter(([id]) => !before[kind].has(id));
      // Containers first (they hold volumes, networks and images), images last.
      for (const [id, name] of fresh('containers')) {
        left.push(`container ${name}`);
        await docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
      }
      for (const [id, name] of fresh('volumes')) {
        left.push(`volume ${name}`);
        await docker.getVolume(id).remove().catch(() => undefined);
      }
      for (const [id, name] of fresh('networks')) {
        left.push(`network ${name}`);
        await docker.getNetwork(id).remove().catch(() => undefined);
      }
      for (const [id, name] of fresh('images')) {
        left.push(`image ${name}`);
        await docker.getImage(id).remove({ force: true }).catch(() => undefined);
      }
    }
    // A swarm test that found no sandbox swarm brought one up (packages/runtime-swarm/test/swarm-harness.ts): take it down.
    if (await readFile(path.join(runDir, SWARM_MARKER), 'utf8').then(() => true, () => false)) {
      await promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts', 'sandbox-swarm.sh'), 'down'], { cwd: REPO_ROOT }).catch((err: unknown) =>
        left.push(`the sandbox swarm (its take-down failed: ${String(err)})`),
      );
    }
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    if (left.length > 0) process.stderr.write(`\nglobal teardown: the tests left ${left.length} object(s) behind, now removed:\n  ${left.join('\n  ')}\n`);
  };
}
