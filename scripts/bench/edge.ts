/**
 * The router drivers side by side, without platformd: one upstream "dyno" process on 127.0.0.1, then the same
 * wrk run straight to it, through the Node router (router-node, in this process), through HAProxy driven by
 * router-haproxy (its access log on: one Heroku line per request received here), and through Debian's nginx (no
 * access log). Then the route-update latency of each driver: a dyno replaced (setRoutes called → first request
 * answered by the new dyno) and a new app (HAProxy: a reload), p50 and max.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHaproxyRouter, type HaproxyRouter } from '@platform/router-haproxy';
import { createNodeRouter } from '@platform/router-node';
import type { Router } from '@platform/types';
import type { Report } from './report.ts';
import { startNginx, which, wrk, type WrkResult } from './router.ts';
import { mb, ms, num, quantile, table } from './stats.ts';

const UPSTREAM = `require('http').createServer((q, r) => r.end('ok ' + process.argv[1])).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

async function startDyno(name: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', UPSTREAM, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { child, port };
}

/** One GET; resolves to the body, or '' on any failure (the caller polls). */
function fetchBody(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 ? body : ''));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

/** ms from `setRoutes` being called to the first request answered by the new target, per rep. */
async function routeUpdates(router: Router, port: number, dynos: Array<{ port: number }>, reps: number) {
  const target = (i: number) => ({ dyno: `web.${i + 1}`, address: { host: '127.0.0.1', port: dynos[i]!.port } });
  const swap: number[] = [];
  const fresh: number[] = [];
  await router.setRoutes('bench', [target(0)]);
  for (let r = 0; r < reps; r++) {
    const next = (r + 1) % 2;
    const started = performance.now();
    await router.setRoutes('bench', [target(next)]);
    await until(async () => (await fetchBody(port, 'bench.localhost')) === `ok web.${next + 1}`, 'the new dyno');
    swap.push(performance.now() - started);
    const app = `bench-new-${r}`;
    const t0 = performance.now();
    await router.setRoutes(app, [target(0)]);
    await until(async () => (await fetchBody(port, `${app}.localhost`)) === 'ok web.1', 'the new app');
    fresh.push(performance.now() - t0);
  }
  return { swap, fresh };
}

export async function benchEdge(report: Report, o: { seconds: number; connections: number; reps: number; apps: number; log: (l: string) => void }) {
  if (!(await which('wrk'))) return report.note('edge: skipped — wrk is not installed (`bash scripts/prerequisites.sh bench`).');
  const dynos = [await startDyno('web.1'), await startDyno('web.2')];
  const results: Array<[string, WrkResult | null, { swap: number[]; fresh: number[] } | null]> = [];
  let logLines = 0;
  let manyApps: string[][] | null = null;
  const measure = async (name: string, port: number, host: string | null) => {
    const url = `http://127.0.0.1:${port}/`;
    await wrk(url, host, Math.max(1, Math.round(o.seconds / 5)), o.connections);
    const r = await wrk(url, host, o.seconds, o.connections);
    o.log(`edge ${name}: ${num(r.rps)} req/s, p50 ${ms(r.p50)}${r.errors ? ` (${r.errors})` : ''}`);
    return r;
  };
  try {
    results.push(['straight to the dyno', await measure('direct', dynos[0]!.port, null), null]);

    const node = createNodeRouter({ domain: 'localhost', onLog: () => void logLines++ });
    const nodePort = (await node.listen(0, '127.0.0.1')).port;
    await node.setRoutes('bench', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: dynos[0]!.port } }]);
    const nodeRun = await measure('node', nodePort, 'bench.localhost');
    results.push(['router-node (in one Node process)', nodeRun, await routeUpdates(node, nodePort, dynos, o.reps)]);
    await node.close();

    if (existsSync('/usr/sbin/haproxy')) {
      const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-haproxy-'));
      const haproxy = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port: 0 }, onLog: () => void logLines++ });
      try {
        await haproxy.start();
        await haproxy.setRoutes('bench', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: dynos[0]!.port } }]);
        logLines = 0;
        const run = await measure('haproxy', haproxy.port(), 'bench.localhost');
        o.log(`edge haproxy: ${logLines} access-log lines received for ${run.requests} requests (+ warm-up)`);
        results.push(['router-haproxy (HAProxy 2.6, log line per request)', run, await routeUpdates(haproxy, haproxy.port(), dynos, o.reps)]);
        manyApps = await benchManyApps(haproxy, dynos[0]!.port, o);
      } finally {
        await haproxy.close();
        await haproxy.stopProxy();
        await rm(dir, { recursive: true, force: true });
      }
    } else {
      report.note('edge: HAProxy skipped — not installed (`bash scripts/prerequisites.sh router`).');
    }

    if (await which('nginx')) {
      const ng = await startNginx(dynos[0]!.port);
      try {
        results.push(['nginx (Debian, no access log)', await measure('nginx', ng.port, 'bench.localhost'), null]);
      } finally {
        await ng.stop();
      }
    }
  } finally {
    for (const d of dynos) d.child.kill();
  }
  const direct = results[0]![1]!;
  const nginx = results.find(([name]) => name.startsWith('nginx'))?.[1] ?? null;
  const lat = (v: number[] | undefined) => (v && v.length ? `${ms(quantile(v, 0.5))} / ${ms(Math.max(...v))}` : '–');
  report.section(
    `edge: router drivers (wrk -t1 -c${o.connections} -d${o.seconds}s keep-alive; route updates over ${o.reps} reps)`,
    table(
      ['path', 'req/s', '÷ nginx', 'p50', 'p50 added vs direct', 'dyno swap → served (p50 / max)', 'new app → served (p50 / max)'],
      results.map(([name, r, u]) => [
        name,
        num(r?.rps),
        r && nginx ? num(r.rps / nginx.rps, 2) : '–',
        ms(r?.p50),
        r ? ms(r.p50 - direct.p50) : '–',
        lat(u?.swap),
        lat(u?.fresh),
      ]),
    ),
  );
  if (manyApps) report.section(`edge: ${o.apps} apps with a custom domain each (HAProxy)`, table(['what', 'value'], manyApps));
  const haproxyRun = results.find(([name]) => name.startsWith('router-haproxy'))?.[1];
  if (haproxyRun && nginx) report.add({ bench: 'haproxy router throughput ÷ nginx', runtime: '–', unit: 'ratio', values: [haproxyRun.rps / nginx.rps], target: { kind: 'min', value: 1 } });
  if (haproxyRun) report.add({ bench: 'haproxy router p50 added vs direct', runtime: '–', unit: 'ms', values: [haproxyRun.p50 - direct.p50], target: { kind: 'max', value: 0.3 } });
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

/** `apps` apps with a dyno and a custom domain each, set at once (reloads coalesce): time, memory, throughput. */
async function benchManyApps(router: HaproxyRouter, dynoPort: number, o: { seconds: number; connections: number; apps: number; log: (l: string) => void }): Promise<string[][]> {
  const before = await rssOf(router.pid()!);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.apps }, async (_, i) => {
      await router.setRoutes(`many-${i}`, [{ dyno: 'web.1', address: { host: '127.0.0.1', port: dynoPort } }]);
      await router.setDomains(`many-${i}`, [`www.many-${i}.test`]);
    }),
  );
  const setupMs = performance.now() - started;
  const r = await wrk(`http://127.0.0.1:${router.port()}/`, `www.many-${o.apps - 1}.test`, o.seconds, o.connections);
  const after = await rssOf(router.pid()!);
  o.log(`edge many apps: ${o.apps} set up in ${ms(setupMs)}, ${num(r.rps)} req/s, RSS ${mb(before)} → ${mb(after)}`);
  return [
    ['routes + domains for every app set (concurrently; new backends share reloads)', ms(setupMs)],
    ['HAProxy resident memory before → after (master + workers)', `${mb(before)} → ${mb(after)}`],
    ['throughput to the last app by its custom domain', `${num(r.rps)} req/s, p50 ${ms(r.p50)}`],
  ];
}
