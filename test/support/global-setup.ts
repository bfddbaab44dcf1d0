import { execFile } from 'node:child_process';
import { readdir, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { REPO_ROOT } from './platform.ts';

/** Docker objects, by kind, as `id name` strings. */
type Snapshot = Record<'containers' | 'volumes' | 'networks' | 'images', Map<string, string>>;

async function snapshot(docker: Docker): Promise<Snapshot> {
  const [containers, volumes, networks, images] = await Promise.all([
    docker.listContainers({ all: true }),
    docker.listVolumes(),
    docker.listNetworks(),
    docker.listImages(),
  ]);
  return {
    containers: new Map(containers.map((c) => [c.Id, c.Names?.[0] ?? c.Id])),
    volumes: new Map((volumes.Volumes ?? []).map((v) => [v.Name, v.Name])),
    networks: new Map(networks.map((n) => [n.Id, n.Name])),
    images: new Map(images.map((i) => [i.Id, i.RepoTags?.[0] ?? i.Id])),
  };
}

/** Engine reachable? A run without Docker (unit tests alone, say) has nothing to check. */
async function engine(): Promise<Docker | null> {
  const docker = new Docker();
  return (await docker.ping().then(() => true, () => false)) ? docker : null;
}

/** Processes whose working directory lies in a test server's data dir (dynos of the process runtime). */
async function strayDynoPids(): Promise<number[]> {
  const prefix = path.join(tmpdir(), 'platform-e2e-');
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(prefix)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * vitest global setup. Before any test: compiles the server and the CLI (scripts/build.mjs, a no-op when they
 * are up to date), so end-to-end tests run the same JavaScript users run. After the last test: whatever the
 * tests left behind — Docker containers, volumes, networks and images created during the run, dyno processes
 * of a test server — is removed and listed, so a failed test cannot leak into the next run or the machine.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
  const docker = await engine();
  const before = docker ? await snapshot(docker) : null;
  return async () => {
    const left: string[] = [];
    for (const pid of await strayDynoPids()) {
      left.push(`process ${pid}`);
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
    if (left.length > 0) process.stderr.write(`\nglobal teardown: the tests left ${left.length} object(s) behind, now removed:\n  ${left.join('\n  ')}\n`);
  };
}
