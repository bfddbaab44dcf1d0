import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { collectNodeImages } from '@platform/runtime-swarm';
import { requireSwarm, swarmServerEnv, type SwarmSandbox } from '../../packages/runtime-swarm/test/swarm-harness.ts';
import { benchDeploys } from './deploy.ts';
import type { Report } from './report.ts';
import { openSession, type Session } from './session.ts';
import { table } from './stats.ts';
import { until } from './wait.ts';

export interface SwarmBenchOptions {
  /** Warm pushes, rollbacks and scale-outs per runtime (one cold push comes first). */
  reps: number;
  /** Rolling deploys under load per runtime. */
  loadReps: number;
  /** Requests per second sent through the router during a rolling deploy. */
  rps: number;
  log: (line: string) => void;
}

interface LoadResult {
  sent: number;
  failed: number;
  /** Failures by kind: an HTTP status or an error code. */
  kinds: Map<string, number>;
  seconds: number;
}

/**
 * Sends `rps` GETs a second through the router (open loop: a slow answer does not slow the sending) until
 * `stop()`; a request fails on any status but 200 or any connection error.
 */
function startLoad(s: Session, app: string, rps: number) {
  const result: LoadResult = { sent: 0, failed: 0, kinds: new Map(), seconds: 0 };
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();
  const fail = (kind: string) => {
    result.failed++;
    result.kinds.set(kind, (result.kinds.get(kind) ?? 0) + 1);
  };
  const timer = setInterval(() => {
    // Catch up to the schedule: timers on a busy 2-core machine fire late.
    const due = Math.floor(((performance.now() - t0) / 1000) * rps);
    while (result.sent < due) {
      result.sent++;
      const p: Promise<void> = s
        .get(app)
        .then((r) => (r.status === 200 ? undefined : fail(String(r.status))))
        .catch((err: unknown) => fail((err as { code?: string }).code ?? (err as Error).message))
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }, 5);
  return {
    result,
    async stop(): Promise<LoadResult> {
      clearInterval(timer);
      result.seconds = (performance.now() - t0) / 1000;
      await Promise.all(inflight);
      return result;
    },
  };
}

/**
 * Rolling deploys of `app` (web=1) under `rps` requests a second through the router: load from 2 s before the
 * push until the new code answers, the push has exited and only the new dyno is left (the old one retired),
 * then 2 s more. Reports the requests that failed (goal 0) and what they failed with.
 */
async function rollingDeployUnderLoad(s: Session, app: string, report: Report, o: SwarmBenchOptions, router: 'node' | 'haproxy') {
  const failed: number[] = [];
  const rows: string[][] = [];
  for (let i = 1; i <= o.loadReps; i++) {
    const code = `rolling-${i}`;
    await s.setCode(code);
    const load = startLoad(s, app, o.rps);
    await new Promise((r) => setTimeout(r, 2_000));
    const push = await s.push(app);
    if (push.code !== 0) {
      await load.stop();
      throw new Error(`push under load failed:\n${push.lines.slice(-15).map((l) => l.text).join('\n')}`);
    }
    await until(async () => (await s.get(app)).body.startsWith(`${code} `), { timeoutMs: 120_000, what: `${code} to answer` });
    await until(
      async () => {
        const dynos = (await s.api('GET', `/apps/${app}/dynos`)).json as Array<{ type: string }>;
        return dynos.filter((d) => d.type === 'web').length === 1;
      },
      { timeoutMs: 120_000, what: 'the old web dyno retired' },
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const r = await load.stop();
    failed.push(r.failed);
    const kinds = [...r.kinds].map(([k, n]) => `${k}×${n}`).join(', ') || '–';
    rows.push([s.runtime, router, String(i), String(r.sent), (r.sent / r.seconds).toFixed(0), String(r.failed), kinds]);
    o.log(`rolling deploy under load (${s.runtime}, ${router} router) ${i}/${o.loadReps}: ${r.failed} of ${r.sent} failed (${kinds})`);
  }
  report.add({
    bench: `requests failed during a rolling deploy (web=1, ~${o.rps} req/s, ${router} router)`,
    runtime: s.runtime,
    unit: 'count',
    values: failed,
    target: { kind: 'max', value: 0 },
  });
  return rows;
}

/** Removes what a session's platformd (its instance id) left on the swarm: Swarm keeps services after platformd stops. */
async function sweepSwarm(sandbox: SwarmSandbox, instance: string): Promise<void> {
  if (!instance) return;
  const services = await sandbox.docker.listServices({ filters: { label: [`platform.managed=${instance}`] } });
  await Promise.all(services.map((x) => sandbox.docker.getService(x.ID).remove().catch(() => undefined)));
}

/**
 * One node collection's wall time (collectNodeImages: the global job created, its task run on the sandbox's
 * worker on the stack image already there, its output read, the job and its configs removed), with nothing to
 * remove, `reps` times.
 */
async function benchNodeCollection(sandbox: SwarmSandbox, report: Report, o: SwarmBenchOptions): Promise<void> {
  const image = (await sandbox.worker.docker.listImages()).flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith(`${sandbox.registry}/platform/stack:`));
  if (!image) return report.note('node collection not measured: the stack image is not in the registry on the worker');
  const values: number[] = [];
  for (let i = 0; i < o.reps; i++) {
    const t0 = performance.now();
    const r = await collectNodeImages({ docker: sandbox.docker, instance: 'bench-node-gc', image, kept: new Map(), notAfter: new Date(), socket: sandbox.nodeSocket, pollMs: 100 });
    if (r.nodes.length !== 1) throw new Error(`node collection reached ${r.nodes.length} nodes (skipped: ${JSON.stringify(r.skipped)})`);
    values.push(performance.now() - t0);
  }
  o.log(`node image collection (worker): ${values.map((v) => v.toFixed(0)).join(', ')} ms`);
  report.add({ bench: 'release-image collection on the other nodes (a Swarm global job, 1 worker)', runtime: 'swarm', unit: 'ms', values });
}

/**
 * Issue 19's figures, the docker and swarm runtimes side by side in one run: push-to-live (cold, warm),
 * rollback-to-serving, scale-out web=1 → 8 until all 8 answer through the router (benchDeploys, the same code
 * for both, on test/fixtures/bench-procfile-app: no npm install, so "cold" builds no dependencies), and requests
 * failed during a rolling deploy under ~100 req/s, through the Node router and through HAProxy (a platformd of
 * its own per runtime and router). Swarm runs on the sandbox swarm of
 * scripts/sandbox-swarm.sh (brought up when it can be); without it, a note says why.
 */
export async function benchSwarm(report: Report, o: SwarmBenchOptions): Promise<void> {
  const sandbox = await requireSwarm();
  if ('skip' in sandbox) {
    report.note(`swarm bench skipped: ${sandbox.skip}`);
    o.log(`swarm bench skipped: ${sandbox.skip}`);
    return;
  }
  // The deploy module measures docker on bench-app (npm) too: these rows say which app they are.
  const tagged: Report = {
    ...report,
    add: (row) => report.add({ ...row, bench: `${row.bench} (no-npm app)` }),
    breakdown: (b) => report.breakdown({ ...b, title: b.title.replace(/ \(/, ' (no-npm app, ') }),
  };
  const loadRows: string[][] = [];
  for (const runtime of ['docker', 'swarm'] as const) {
    o.log(`starting platformd (${runtime}) for the swarm comparison`);
    // No npm in the app: builds on the sandbox swarm's engine reach no registry (the same app on both runtimes).
    const s = await openSession(runtime, runtime === 'swarm' ? swarmServerEnv(sandbox) : {}, 'bench-procfile-app');
    // benchDeploys' one app (one cold push), destroyed even when a step fails: its images and registry tags go too.
    const app = `bench-${runtime}-1`;
    try {
      await benchDeploys(s, tagged, { coldReps: 1, warmReps: o.reps, rollbackReps: o.reps, scaleReps: o.reps, log: o.log });
      loadRows.push(...(await rollingDeployUnderLoad(s, app, report, o, 'node')));
    } finally {
      await s.cli(['apps:destroy', app, '--confirm', app]).catch(() => undefined);
      const instance = (await readFile(path.join(s.server.dataDir, 'instance-id'), 'utf8').catch(() => '')).trim();
      await s.close();
      if (runtime === 'swarm') await sweepSwarm(sandbox, instance);
    }
  }
  // The same rolling deploys through HAProxy (PLATFORM_ROUTER=auto's choice where it is installed).
  for (const runtime of ['docker', 'swarm'] as const) {
    o.log(`starting platformd (${runtime}, HAProxy) for rolling deploys under load`);
    const s = await openSession(runtime, { ...(runtime === 'swarm' ? swarmServerEnv(sandbox) : {}), PLATFORM_ROUTER: 'haproxy' }, 'bench-procfile-app');
    const app = `bench-${runtime}-haproxy`;
    try {
      await s.createApp(app);
      const push = await s.push(app);
      if (push.code !== 0) throw new Error(`push failed:\n${push.lines.slice(-15).map((l) => l.text).join('\n')}`);
      loadRows.push(...(await rollingDeployUnderLoad(s, app, report, o, 'haproxy')));
    } finally {
      await s.cli(['apps:destroy', app, '--confirm', app]).catch(() => undefined);
      const instance = (await readFile(path.join(s.server.dataDir, 'instance-id'), 'utf8').catch(() => '')).trim();
      await s.close();
      if (runtime === 'swarm') await sweepSwarm(sandbox, instance);
    }
  }
  report.section(
    `rolling deploys under ~${o.rps} req/s through the router (web=1)`,
    table(['runtime', 'router', 'deploy', 'requests', 'req/s', 'failed', 'failed with'], loadRows),
  );
  await benchNodeCollection(sandbox, report, o);
}
