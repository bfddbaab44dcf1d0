/**
 * Issue 19's node-drain figure: requests that fail while a swarm node is drained under ~100 requests a second
 * (goal 0). On the sandbox swarm of scripts/sandbox-swarm.sh (brought up as root when it is not; skipped with a
 * note otherwise): platformd with PLATFORM_RUNTIME=swarm, an app with two web dynos placed on the worker (the
 * manager paused meanwhile), a steady load through the router, `platform nodes:drain <worker>`. Per repetition:
 * the failed requests, the requests sent, and how long the drain took. Kept apart from the swarm push/rollback/scale
 * figures (another module).
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { startServer } from '../../test/support/platform.ts';
import { createUserEnv, platform, run } from '../../test/support/cli.ts';
import { fixtureRepo } from '../../test/support/apps.ts';
import { startSteadyLoad } from '../../test/support/steady-load.ts';
import { holdSwarmLock, requireSwarm } from '../../packages/runtime-swarm/test/swarm-harness.ts';
import type { Report } from './report.ts';
import { until } from './wait.ts';

export interface SwarmDrainOptions {
  reps: number;
  rps: number;
  log: (line: string) => void;
}

async function setAvailability(docker: Docker, node: string, availability: 'active' | 'pause'): Promise<void> {
  const info = (await docker.getNode(node).inspect()) as { Version: { Index: number }; Spec: object };
  await docker.getNode(node).update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Availability: availability } });
}

export async function benchSwarmDrain(report: Report, o: SwarmDrainOptions): Promise<void> {
  const sandbox = await requireSwarm({ lock: 'none' });
  if ('skip' in sandbox) {
    report.note(`node drain (swarm) skipped: ${sandbox.skip}`);
    o.log(`node drain skipped: ${sandbox.skip}`);
    return;
  }
  // The drain ends other platforms' tasks on the worker: never beside a swarm test file.
  const release = await holdSwarmLock('exclusive');
  const { docker } = sandbox;
  const managerId = ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
  const server = await startServer({
    env: {
      PLATFORM_RUNTIME: 'swarm',
      PLATFORM_SWARM_DOCKER_HOST: `unix://${(docker.modem as unknown as { socketPath: string }).socketPath}`,
      PLATFORM_REGISTRY: sandbox.registry,
      PLATFORM_SWARM_ADDRESSES: 'published',
      PLATFORM_DYNO_FIREWALL: 'off',
    },
  });
  const app = 'bench-drain';
  const env = await createUserEnv();
  const failed: number[] = [];
  const sent: number[] = [];
  const took: number[] = [];
  try {
    // A Procfile app: the sandbox's engine has no route to the npm registry a Node.js build would ask.
    const repo = await fixtureRepo('web-app', env);
    const cli = async (args: string[]) => {
      const r = await platform([...args, '-a', app], { cwd: repo, env });
      if (r.code !== 0) throw new Error(`platform ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    if (login.code !== 0) throw new Error(`platform login failed: ${login.stderr}`);
    await platform(['apps:create', app], { cwd: repo, env });
    const bothUp = async () => /web\.1: up/.test(await cli(['ps'])) && /web\.2: up/.test(await cli(['ps']));
    const onWorker = async () => {
      const nodes = JSON.parse(await platform(['nodes', '--json'], { cwd: repo, env }).then((r) => r.stdout)) as Array<{ role: string; dynos: number }>;
      return nodes.find((n) => n.role === 'worker')?.dynos === 2;
    };
    for (let rep = 0; rep < o.reps; rep++) {
      // Both web dynos onto the worker: the manager paused while they (re)start there.
      await setAvailability(docker, managerId, 'pause');
      try {
        if (rep === 0) {
          const pushed = await run('git', ['push', `${server.apiUrl}/${app}.git`, 'main'], { cwd: repo, env });
          if (pushed.code !== 0) throw new Error(`pushing ${app} failed: ${pushed.stderr}`);
          await cli(['ps:scale', 'web=2']);
        } else {
          await cli(['ps:restart', 'web']);
        }
        await until(async () => (await bothUp()) && (await onWorker()), { timeoutMs: 180_000, intervalMs: 250, what: 'web.1 and web.2 up on the worker' });
      } finally {
        await setAvailability(docker, managerId, 'active');
      }
      const port = new URL(server.routerUrl).port;
      const load = startSteadyLoad({ routerUrl: server.routerUrl, host: `${app}.localhost:${port}`, rps: o.rps });
      await until(async () => load.sent() >= o.rps * 2, { timeoutMs: 30_000, intervalMs: 250, what: 'two seconds of load before the drain' });
      const t0 = performance.now();
      const drained = await platform(['nodes:drain', sandbox.worker.hostname], { cwd: repo, env });
      took.push(performance.now() - t0);
      const after = load.sent();
      await until(async () => load.sent() >= after + o.rps * 2, { timeoutMs: 30_000, intervalMs: 250, what: 'two seconds of load after the drain' });
      const result = await load.stop();
      await platform(['nodes:activate', sandbox.worker.hostname], { cwd: repo, env });
      if (drained.code !== 0) throw new Error(`nodes:drain failed: ${drained.stderr}`);
      failed.push(result.failed);
      sent.push(result.sent);
      o.log(`node drain ${rep + 1}/${o.reps}: ${result.failed} of ${result.sent} requests failed${result.failures.length ? ` (${result.failures.join(', ')})` : ''}, drain ${Math.round(took.at(-1)!)} ms`);
    }
    const load = `~${o.rps} req/s, web=2 on the worker`;
    report.add({ bench: `requests failed during a node drain (${load})`, runtime: 'swarm', unit: 'count', values: failed, target: { kind: 'max', value: 0 }, note: `of ${sent.join(', ')} sent` });
    report.add({ bench: 'node drain, both web dynos moved (nodes:drain)', runtime: 'swarm', unit: 'ms', values: took });
  } finally {
    for (const n of (await docker.listNodes()) as Array<{ ID: string }>) await setAvailability(docker, n.ID, 'active').catch(() => undefined);
    await platform(['apps:destroy', app, '--confirm', app], { env }).catch(() => undefined);
    await server.destroy();
    await release();
  }
}
