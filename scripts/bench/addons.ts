import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import type { AddonProvider, AddonRequest } from '@platform/types';
import { createProcessPostgresProvider } from '@platform/addon-postgres-process';
import { createDockerPostgresProvider, reachableUrl } from '@platform/addon-postgres-docker';
import type { Report } from './report.ts';
import { benchSwarmAddons } from './addons-swarm.ts';

export interface AddonBenchOptions {
  /** Provisions timed per provider (the process provider's first one, which starts its server, is reported apart). */
  reps: number;
  /** Whether the docker provider is measured too (an engine and the PostgreSQL image are needed). */
  docker: boolean;
  /** Whether the swarm provider is measured too, on the sandbox swarm (a note says why not where there is none). */
  swarm?: boolean;
  log: (line: string) => void;
}

/** The PostgreSQL image add-on containers run (scripts/build-postgres-image.sh). */
const POSTGRES_IMAGE = 'platform/postgres:15-bookworm-1';

/** Connects with the app's credentials and creates a table: the URL is usable. Retried for 60 s at most. */
async function firstWrite(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('CREATE TABLE bench (id serial PRIMARY KEY)');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Times `reps` add-ons of one provider: provision → first write with the URL, then their deprovisioning. */
export async function timeProvider(
  provider: AddonProvider,
  reach: (url: string) => Promise<string>,
  appId: string,
  reps: number,
): Promise<{ provision: number[]; deprovision: number[] }> {
  const requests: AddonRequest[] = [];
  const provision: number[] = [];
  const deprovision: number[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const request = { addonId: randomUUID(), plan: 'dev', appId };
      requests.push(request);
      const t0 = performance.now();
      const { url } = await provider.provision(request);
      await firstWrite(await reach(url));
      provision.push(performance.now() - t0);
    }
  } finally {
    for (const request of requests) {
      const t0 = performance.now();
      await provider.deprovision(request);
      deprovision.push(performance.now() - t0);
    }
  }
  return { provision, deprovision };
}

/**
 * PostgreSQL add-on provision time, create → URL usable (issue 17), for each provider side by side, driven
 * through the providers themselves (no platformd, no release): `provision()` until a client with the URL's
 * credentials has created a table. Process: a database and a role on the add-on server (its first add-on also
 * starts that server, reported apart); docker: a container per add-on (volume, initdb, start), reached from the
 * host through the container's address; swarm (with `swarm`): a Swarm service per add-on on the sandbox swarm.
 * Deprovisioning is timed too.
 */
export async function benchAddons(report: Report, options: AddonBenchOptions): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'platform-bench-addons-'));
  await chmod(root, 0o711); // as root, the process provider's server runs as `postgres` and must traverse it
  const appId = randomUUID();
  try {
    options.log('add-ons: process provider');
    const processProvider = createProcessPostgresProvider({ dir: path.join(root, 'addons') });
    try {
      const { provision, deprovision } = await timeProvider(processProvider, async (u) => u, appId, options.reps + 1);
      report.add({ bench: 'add-on provision → URL usable, first (server start)', runtime: 'process', unit: 'ms', values: provision.slice(0, 1) });
      report.add({ bench: 'add-on provision → URL usable', runtime: 'process', unit: 'ms', values: provision.slice(1), note: 'a database and role on the running add-on server' });
      report.add({ bench: 'add-on deprovision', runtime: 'process', unit: 'ms', values: deprovision });
    } finally {
      await processProvider.close();
    }

    if (options.swarm) await benchSwarmAddons(report, options.reps, timeProvider, options.log);
    if (!options.docker) return;
    options.log('add-ons: docker provider');
    const docker = new Docker();
    await docker.getImage(POSTGRES_IMAGE).inspect().catch(() => {
      throw new Error(`the image ${POSTGRES_IMAGE} is missing: bash scripts/build-postgres-image.sh`);
    });
    const network = `platform-bench-addons-${randomBytes(6).toString('hex')}`;
    await docker.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: { 'platform.bench': 'addons' } });
    const dockerProvider = createDockerPostgresProvider({
      docker,
      instance: `bench-${randomBytes(4).toString('hex')}`,
      image: POSTGRES_IMAGE,
      secretsDir: path.join(root, 'docker-secrets'),
      networkFor: async () => network,
    });
    try {
      const { provision, deprovision } = await timeProvider(dockerProvider, (u) => reachableUrl(docker, u), appId, options.reps);
      report.add({ bench: 'add-on provision → URL usable', runtime: 'docker', unit: 'ms', values: provision, note: 'a container per add-on: volume, initdb, start' });
      report.add({ bench: 'add-on deprovision', runtime: 'docker', unit: 'ms', values: deprovision, note: 'container and volume removed' });
    } finally {
      await dockerProvider.close();
      await docker.getNetwork(network).remove().catch(() => undefined);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
