/**
 * The edge at scale (issue 15, "1,000 apps with a domain each"): one HAProxy driven by router-haproxy, apps added
 * with a dyno and a custom domain each up to 10, 100 and 1,000, and at each step what one change costs platformd
 * (a route change on an existing app, a domain change, a new app), the memory of the proxy and of this process (the
 * driver's side of platformd), and the throughput to one app. A route change should cost about the same at 1,000
 * apps as at 10: it touches one app.
 *
 *   npm run bench -- --only=edge-apps
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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

interface Step {
  apps: number;
  route: { wall: number[]; cpu: number };
  domain: { wall: number[]; cpu: number };
  create: { wall: number[]; cpu: number };
  proxyRss: number;
  hereRss: number;
  rps: number;
}

async function measureStep(router: HaproxyRouter, apps: number, targets: Array<{ dyno: string; address: { host: string; port: number } }>, o: EdgeAppsOptions): Promise<Step> {
  // A route change on an existing app: its dyno moves to the other port (add server, retire the old one).
  const route = await timed(o.reps, (i) => router.setRoutes('app-0', [targets[(i + 1) % 2]!]));
  const domain = await timed(o.reps, (i) => router.setDomains('app-0', [`www.app-0.test`, `alt-${i}.app-0.test`]));
  // New apps, one at a time as platformd creates them (each a new backend: a reload in HAProxy 2.6).
  const create = await timed(o.reps, async (i) => {
    await router.setRoutes(`extra-${apps}-${i}`, [targets[0]!]);
    await router.setDomains(`extra-${apps}-${i}`, [`www.extra-${apps}-${i}.test`]);
  });
  for (let i = 0; i < o.reps; i++) await router.removeApp(`extra-${apps}-${i}`);
  const url = `http://127.0.0.1:${router.port()}/`;
  await wrk(url, 'www.app-0.test', 1, o.connections);
  const r = await wrk(url, 'www.app-0.test', o.seconds, o.connections);
  return { apps, route, domain, create, proxyRss: await rssOf(router.pid()!), hereRss: process.memoryUsage().rss, rps: r.rps };
}

export async function benchEdgeApps(report: Report, o: EdgeAppsOptions): Promise<void> {
  if (!(await which('wrk'))) return report.note('edge-apps: skipped — wrk is not installed (`bash scripts/prerequisites.sh bench`).');
  if (!existsSync('/usr/sbin/haproxy')) return report.note('edge-apps: skipped — needs HAProxy (`bash scripts/prerequisites.sh router`).');
  const scratch = await mkdtemp(path.join(tmpdir(), 'platform-bench-edge-apps-'));
  const dynos = [await startDyno('web.1'), await startDyno('web.2')];
  const targets = dynos.map((d, i) => ({ dyno: `web.${i + 1}`, address: { host: '127.0.0.1', port: d.port } }));
  let lines = 0;
  const router = createHaproxyRouter({ dir: path.join(scratch, 'router'), domain: 'localhost', listen: { host: '127.0.0.1', port: 0 }, onLog: () => void lines++ });
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
      const step = await measureStep(router, n, targets, o);
      steps.push(step);
      o.log(`edge-apps ${n}: route change p50 ${ms(quantile(step.route.wall, 0.5))} (CPU ${ms(step.route.cpu)}), domain ${ms(quantile(step.domain.wall, 0.5))}, new app ${ms(quantile(step.create.wall, 0.5))}, ${num(step.rps)} req/s, HAProxy ${mb(step.proxyRss)}, here ${mb(step.hereRss)}`);
    }
    o.log(`edge-apps: filled ${made} apps in ${ms(performance.now() - fillStarted)} (with the measurements), ${lines} log lines`);
  } finally {
    await router.close();
    await router.stopProxy();
    for (const d of dynos) d.child.kill();
    await rm(scratch, { recursive: true, force: true });
  }
  const p = (v: { wall: number[]; cpu: number }) => `${ms(quantile(v.wall, 0.5))} / ${ms(Math.max(...v.wall))}; CPU ${ms(v.cpu)}`;
  report.section(
    `edge: apps with a custom domain each, one HAProxy (router-haproxy, log on); each change timed until it resolves (live in the proxy; ${o.reps} reps; wall p50 / max; platformd's CPU per change, the files' writes included)`,
    table(
      ['apps', 'route change (setRoutes, existing app)', 'domain change (setDomains)', 'new app (routes + domain; reload)', 'HAProxy RSS (master + workers)', "this process's RSS (driver side)", `req/s to one app (wrk -c${o.connections})`],
      steps.map((s) => [String(s.apps), p(s.route), p(s.domain), p(s.create), mb(s.proxyRss), mb(s.hereRss), num(s.rps)]),
    ),
  );
  const first = steps[0]!;
  const ten = steps.find((s) => s.apps === 10) ?? first;
  const last = steps.at(-1)!;
  report.add({ bench: `edge: route change at ${last.apps} apps ÷ at ${ten.apps} (wall p50)`, runtime: '–', unit: 'ratio', values: [quantile(last.route.wall, 0.5) / quantile(ten.route.wall, 0.5)], target: { kind: 'max', value: 2 } });
  report.add({ bench: `edge: route change at ${last.apps} apps ÷ at ${ten.apps} (platformd CPU)`, runtime: '–', unit: 'ratio', values: [last.route.cpu / ten.route.cpu], target: { kind: 'max', value: 2 } });
  report.add({ bench: `edge: route change at ${last.apps} apps`, runtime: '–', unit: 'ms', values: last.route.wall });
  report.add({ bench: `edge: new app at ${last.apps} apps (reload)`, runtime: '–', unit: 'ms', values: last.create.wall });
  report.add({ bench: `edge: throughput to one app, ${last.apps} apps ÷ ${first.apps}`, runtime: '–', unit: 'ratio', values: [last.rps / first.rps] });
}
