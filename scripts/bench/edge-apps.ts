/**
 * The edge at scale (issue 15, "1,000 apps with a domain each"): one HAProxy driven by router-haproxy, apps added
 * with a dyno and a custom domain each up to 10, 100 and 1,000, and at each step what one change costs platformd
 * (a route change on an existing app, a domain change, a new app), the memory of the proxy and of this process (the
 * driver's side of platformd), and the throughput to one app. A route change should cost about the same at 1,000
 * apps as at 10: it touches one app. Run twice: with spare backends (a new app takes one over, no reload; a pool
 * large enough that the reps never drain it) and without (`spareBackends: 0`: each new app waits for a reload),
 * timing a new app from `setRoutes` to the first request it answers.
 *
 *   npm run bench -- --only=edge-apps
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHaproxyRouter, type HaproxyRouter } from '@platform/router-haproxy';
import { startDyno } from './edge-peers.ts';
import type { Report } from './report.ts';
import { which, wrk } from './router.ts';
import { mb, ms, num, quantile, table } from './stats.ts';

export interface EdgeAppsOptions {
  /** App counts at which to measure, ascending (e.g. 10, 100, 1000). */
  steps: number[];
  /** Changes timed per kind at each step. */
  reps: number;
  /** wrk seconds per throughput run. */
  seconds: number;
  connections: number;
  log: (line: string) => void;
}

/** Resident memory (bytes) of a process and its children (HAProxy's master and workers). */
async function rssOf(pid: number): Promise<number> {
  let total = 0;
  const pids = [pid, ...(await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number)];
  for (const p of pids) {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${p}/status`, 'utf8').catch(() => ''));
    if (m) total += Number(m[1]) * 1024;
  }
  return total;
}

/** Wall ms per call of `fn(i)`, run `reps` times one after the other, and this process's CPU ms per call. */
async function timed(reps: number, fn: (i: number) => Promise<void>): Promise<{ wall: number[]; cpu: number }> {
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn(i);
    wall.push(performance.now() - t0);
  }
  // The files a change asked for are written within FLUSH_DELAY_MS: wait for them, so their cost is counted.
  await new Promise((resolve) => setTimeout(resolve, 400));
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / 1000 / reps };
}

/** The status of a GET through the proxy for `host` (0 when the connection failed). */
function statusOf(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    httpGet({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

interface Step {
  apps: number;
  /** Spare backends the router keeps (0: every new app takes a reload). */
  spares: number;
  /** setRoutes for a new app → the first request it answers (200) through the proxy. */
  served: number[];
  route: { wall: number[]; cpu: number };
  domain: { wall: number[]; cpu: number };
  create: { wall: number[]; cpu: number };
  proxyRss: number;
  hereRss: number;
  rps: number;
}

async function measureStep(router: HaproxyRouter, spares: number, apps: number, targets: Array<{ dyno: string; address: { host: string; port: number } }>, o: EdgeAppsOptions): Promise<Step> {
  // A route change on an existing app: its dyno moves to the other port (add server, retire the old one).
  const route = await timed(o.reps, (i) => router.setRoutes('app-0', [targets[(i + 1) % 2]!]));
  const domain = await timed(o.reps, (i) => router.setDomains('app-0', [`www.app-0.test`, `alt-${i}.app-0.test`]));
  // New apps, one at a time as platformd creates them (a spare backend taken over, or a reload without one).
  const served: number[] = [];
  const create = await timed(o.reps, async (i) => {
    const t0 = performance.now();
    await router.setRoutes(`extra-${apps}-${i}`, [targets[0]!]);
    for (let tries = 0; (await statusOf(router.port(), `extra-${apps}-${i}.localhost`)) !== 200; tries++) {
      if (tries > 1_000) throw new Error(`the new app extra-${apps}-${i} was not served`);
    }
    served.push(performance.now() - t0);
    await router.setDomains(`extra-${apps}-${i}`, [`www.extra-${apps}-${i}.test`]);
  });
  for (let i = 0; i < o.reps; i++) await router.removeApp(`extra-${apps}-${i}`);
  const url = `http://127.0.0.1:${router.port()}/`;
  await wrk(url, 'www.app-0.test', 1, o.connections);
  const r = await wrk(url, 'www.app-0.test', o.seconds, o.connections);
  return { apps, spares, served, route, domain, create, proxyRss: await rssOf(router.pid()!), hereRss: process.memoryUsage().rss, rps: r.rps };
}

/** Spare backends in the run with spares: more than twice the reps, so that the timed new apps never drain the pool. */
const BENCH_SPARES = 64;

/** One HAProxy filled up to each step's app count, measured at each step; `spares` as the router's `spareBackends`. */
async function runSteps(scratch: string, spares: number, targets: Array<{ dyno: string; address: { host: string; port: number } }>, o: EdgeAppsOptions): Promise<Step[]> {
  let lines = 0;
  const router = createHaproxyRouter({ dir: path.join(scratch, `router-${spares}`), domain: 'localhost', listen: { host: '127.0.0.1', port: 0 }, onLog: () => void lines++, spareBackends: spares });
  const steps: Step[] = [];
  try {
    await router.start();
    let made = 0;
    const fillStarted = performance.now();
    for (const n of o.steps) {
      // Filled in batches of 50 set together (their new backends share one reload), as a start-up replay does.
      while (made < n) {
        const batch = Array.from({ length: Math.min(50, n - made) }, (_, k) => made + k);
        await Promise.all(batch.map(async (i) => {
          await router.setRoutes(`app-${i}`, [targets[0]!]);
          await router.setDomains(`app-${i}`, [`www.app-${i}.test`]);
        }));
        made += batch.length;
      }
      const step = await measureStep(router, spares, n, targets, o);
      steps.push(step);
      o.log(`edge-apps ${n} (spares ${spares}): route change p50 ${ms(quantile(step.route.wall, 0.5))} (CPU ${ms(step.route.cpu)}), domain ${ms(quantile(step.domain.wall, 0.5))}, new app served ${ms(quantile(step.served, 0.5))} / ${ms(Math.max(...step.served))}, ${num(step.rps)} req/s, HAProxy ${mb(step.proxyRss)}, here ${mb(step.hereRss)}`);
    }
    o.log(`edge-apps: filled ${made} apps (spares ${spares}) in ${ms(performance.now() - fillStarted)} (with the measurements), ${lines} log lines`);
  } finally {
    await router.close();
    await router.stopProxy();
  }
  return steps;
}

export async function benchEdgeApps(report: Report, o: EdgeAppsOptions): Promise<void> {
  if (!(await which('wrk'))) return report.note('edge-apps: skipped — wrk is not installed (`bash scripts/prerequisites.sh bench`).');
  if (!existsSync('/usr/sbin/haproxy')) return report.note('edge-apps: skipped — needs HAProxy (`bash scripts/prerequisites.sh router`).');
  const scratch = await mkdtemp(path.join(tmpdir(), 'platform-bench-edge-apps-'));
  const dynos = [await startDyno('web.1'), await startDyno('web.2')];
  const targets = dynos.map((d, i) => ({ dyno: `web.${i + 1}`, address: { host: '127.0.0.1', port: d.port } }));
  const runs: Step[][] = [];
  try {
    for (const spares of [BENCH_SPARES, 0]) runs.push(await runSteps(scratch, spares, targets, o));
  } finally {
    for (const d of dynos) d.child.kill();
    await rm(scratch, { recursive: true, force: true });
  }
  const steps = runs.flat();
  const p = (v: { wall: number[]; cpu: number }) => `${ms(quantile(v.wall, 0.5))} / ${ms(Math.max(...v.wall))}; CPU ${ms(v.cpu)}`;
  report.section(
    `edge: apps with a custom domain each, one HAProxy (router-haproxy, log on), with ${BENCH_SPARES} spare backends and with none; each change timed until it resolves (live in the proxy; ${o.reps} reps; wall p50 / max; platformd's CPU per change, the files' writes included); a new app also from setRoutes to the first request it answers`,
    table(
      ['apps', 'spare backends', 'route change (setRoutes, existing app)', 'domain change (setDomains)', 'new app → served (p50 / max)', 'new app (routes + domain)', 'HAProxy RSS (master + workers)', "this process's RSS (driver side)", `req/s to one app (wrk -c${o.connections})`],
      steps.map((s) => [String(s.apps), String(s.spares), p(s.route), p(s.domain), `${ms(quantile(s.served, 0.5))} / ${ms(Math.max(...s.served))}`, p(s.create), mb(s.proxyRss), mb(s.hereRss), num(s.rps)]),
    ),
  );
  const withSpares = runs[0]!;
  const first = withSpares[0]!;
  const ten = withSpares.find((s) => s.apps === 10) ?? first;
  const last = withSpares.at(-1)!;
  const bare = runs[1]!.at(-1)!;
  report.add({ bench: `edge: route change at ${last.apps} apps ÷ at ${ten.apps} (wall p50)`, runtime: '–', unit: 'ratio', values: [quantile(last.route.wall, 0.5) / quantile(ten.route.wall, 0.5)], target: { kind: 'max', value: 2 } });
  report.add({ bench: `edge: route change at ${last.apps} apps ÷ at ${ten.apps} (platformd CPU)`, runtime: '–', unit: 'ratio', values: [last.route.cpu / ten.route.cpu], target: { kind: 'max', value: 2 } });
  report.add({ bench: `edge: route change at ${last.apps} apps`, runtime: '–', unit: 'ms', values: last.route.wall });
  report.add({ bench: `edge: new app → served at ${last.apps} apps (spare backend)`, runtime: '–', unit: 'ms', values: last.served });
  report.add({ bench: `edge: new app → served at ${bare.apps} apps (no spare: reload)`, runtime: '–', unit: 'ms', values: bare.served });
  report.add({ bench: `edge: throughput to one app, ${last.apps} apps ÷ ${first.apps}`, runtime: '–', unit: 'ratio', values: [last.rps / first.rps] });
}
