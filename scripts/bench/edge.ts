/**
 * The edge, issue 15's figures, without platformd: one upstream "dyno" process on 127.0.0.1 and the same wrk run
 * straight to it, through router-node (in this process), through HAProxy driven by router-haproxy with its access
 * log on (one Heroku line per request, received and parsed here as platformd does) and off, and through Debian's
 * nginx twice: plain (no log, no added headers) and doing the router's work (the same headers, one log line per
 * request by UDP to a receiver here that parses it the same way). The TLS rows do the same over TLS. Paths are
 * measured in interleaved rounds (the machine is shared): ratios are taken within a round, then the median and
 * spread over rounds. Then the route-update latency, 1,000 apps with a domain each, and requests failed across
 * platformd restarts under load (edge-restart.ts).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHaproxyRouter, defaultThreads, type HaproxyRouter } from '@platform/router-haproxy';
import { createNodeRouter } from '@platform/router-node';
import type { Router } from '@platform/types';
import { selfSigned, startDyno, startLogSink, startNginx } from './edge-peers.ts';
import { benchRestart } from './edge-restart.ts';
import { cpuTicks } from './proc.ts';
import type { Report } from './report.ts';
import { which, wrk, type WrkResult } from './router.ts';
import { mb, ms, num, quantile, summarize, table } from './stats.ts';

export interface EdgeOptions {
  /** wrk seconds per path per round. */
  seconds: number;
  connections: number;
  /** Interleaved rounds over every path. */
  rounds: number;
  /** wrk seconds per path per round on one connection (the latency pass). */
  latencySeconds: number;
  /** Route updates timed per driver. */
  reps: number;
  apps: number;
  log: (line: string) => void;
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

/** ms from `setRoutes` called with a dyno that is up to the first request it answers through the proxy, per rep. */
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

/** A path through which wrk runs: where, and which processes to charge CPU to. */
interface Path {
  key: string;
  name: string;
  url: string;
  pids: () => Promise<number[]>;
  /** Log lines the receiver counted so far (paths that log). */
  lines?: () => number;
}

interface Run extends WrkResult {
  /** CPU µs per request: the proxy's processes, this process (log receivers; router-node itself), the dyno. */
  cpu: { proxy: number; here: number; dyno: number };
  linesPerRequest: number | null;
  /**
   * p50 (ms) of a run on one keep-alive connection: the time a request spends on this path with no queue. At
   * `connections` > 1 on two cores a p50 is mostly the wait for a CPU (Little's law: connections ÷ req/s), so the
   * hop's own latency is read here.
   */
  p50Alone: number;
}

export async function benchEdge(report: Report, o: EdgeOptions): Promise<void> {
  if (!(await which('wrk'))) return report.note('edge: skipped — wrk is not installed (`bash scripts/prerequisites.sh bench`).');
  if (!existsSync('/usr/sbin/haproxy') || !(await which('nginx'))) return report.note('edge: skipped — needs HAProxy and nginx (`bash scripts/prerequisites.sh router bench`).');
  const scratch = await mkdtemp(path.join(tmpdir(), 'platform-bench-edge-'));
  const dynos = [await startDyno('web.1'), await startDyno('web.2')];
  const dynoPid = dynos[0]!.child.pid!;
  const cert = await selfSigned(scratch, 'bench.localhost');
  const sink = await startLogSink();
  let nodeLines = 0;
  let haproxyLines = 0;
  const node = createNodeRouter({ domain: 'localhost', onLog: () => void nodeLines++ });
  const logged = createHaproxyRouter({ dir: path.join(scratch, 'logged'), domain: 'localhost', listen: { host: '127.0.0.1', port: 0 }, tlsPort: 0, onLog: () => void haproxyLines++ });
  const quiet = createHaproxyRouter({ dir: path.join(scratch, 'quiet'), domain: 'localhost', listen: { host: '127.0.0.1', port: 0 } });
  // nginx gets as many workers as HAProxy gets threads (router-haproxy's default for this machine).
  const workers = defaultThreads(availableParallelism());
  const nginxLike = await startNginx(dynos[0]!.port, { workers, like: { logPort: sink.port }, tls: cert });
  const nginxPlain = await startNginx(dynos[0]!.port, { workers });
  const route = [{ dyno: 'web.1', address: { host: '127.0.0.1', port: dynos[0]!.port } }];
  try {
    const nodePort = (await node.listen(0, '127.0.0.1')).port;
    await node.setRoutes('bench', route);
    for (const r of [logged, quiet]) {
      await r.start();
      await r.setRoutes('bench', route);
    }
    await logged.setCertificates([{ id: 'bench', app: 'bench', hostnames: ['bench.localhost'], chainPem: cert.chainPem, keyPem: cert.keyPem }]);
    const proxyPids = (r: HaproxyRouter) => async () => {
      const pid = r.pid()!;
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      return [pid, ...children.split(' ').filter(Boolean).map(Number)];
    };
    const paths: Path[] = [
      { key: 'direct', name: 'straight to the dyno', url: `http://127.0.0.1:${dynos[0]!.port}/`, pids: async () => [] },
      { key: 'node', name: 'router-node (in this process), log on', url: `http://127.0.0.1:${nodePort}/`, pids: async () => [], lines: () => nodeLines },
      { key: 'haproxy', name: 'router-haproxy, log on (ring → TCP → parsed here)', url: `http://127.0.0.1:${logged.port()}/`, pids: proxyPids(logged), lines: () => haproxyLines },
      { key: 'haproxy-quiet', name: 'router-haproxy, log off', url: `http://127.0.0.1:${quiet.port()}/`, pids: proxyPids(quiet) },
      { key: 'nginx-like', name: 'nginx, same headers + log line (UDP → parsed here)', url: `http://127.0.0.1:${nginxLike.port}/`, pids: nginxLike.pids, lines: sink.lines },
      { key: 'nginx', name: 'nginx plain (no log, no added headers)', url: `http://127.0.0.1:${nginxPlain.port}/`, pids: nginxPlain.pids },
      { key: 'haproxy-tls', name: 'router-haproxy over TLS, log on', url: `https://127.0.0.1:${logged.tlsPort()}/`, pids: proxyPids(logged), lines: () => haproxyLines },
      { key: 'nginx-like-tls', name: 'nginx over TLS, same headers + log line', url: `https://127.0.0.1:${nginxLike.tlsPort}/`, pids: nginxLike.pids, lines: sink.lines },
    ];
    const measure = async (p: Path, seconds: number): Promise<Run> => {
      const pids = await p.pids();
      const host = p.key === 'direct' ? null : 'bench.localhost';
      const before = { proxy: await cpuTicks(pids), dyno: await cpuTicks([dynoPid]), here: process.cpuUsage(), lines: p.lines?.() ?? 0 };
      const r = await wrk(p.url, host, seconds, o.connections);
      const here = process.cpuUsage(before.here);
      const after = { proxy: await cpuTicks(pids), dyno: await cpuTicks([dynoPid]), lines: p.lines?.() ?? 0 };
      const perRequest = (ticks: number) => (r.requests ? (ticks * 10_000) / r.requests : NaN); // 100 ticks/s
      const alone = await wrk(p.url, host, o.latencySeconds, 1);
      return {
        ...r,
        p50Alone: alone.p50,
        cpu: { proxy: perRequest(after.proxy - before.proxy), dyno: perRequest(after.dyno - before.dyno), here: (here.user + here.system) / r.requests },
        linesPerRequest: p.lines ? (after.lines - before.lines) / r.requests : null,
      };
    };
    const runs = new Map<string, Run[]>(paths.map((p) => [p.key, []]));
    for (const p of paths) await measure(p, 1); // warm-up
    for (let round = 0; round < o.rounds; round++) {
      // A rotated order each round: load that comes and goes weighs on every path alike.
      for (let i = 0; i < paths.length; i++) {
        const p = paths[(i + round) % paths.length]!;
        const r = await measure(p, o.seconds);
        runs.get(p.key)!.push(r);
        o.log(`edge round ${round + 1}/${o.rounds} ${p.key}: ${num(r.rps)} req/s, p50 ${ms(r.p50)}, alone ${ms(r.p50Alone)}${r.errors ? ` (${r.errors})` : ''}`);
      }
    }
    reportThroughput(report, paths, runs, o);

    const updates = { node: await routeUpdates(node, nodePort, dynos, o.reps), haproxy: await routeUpdates(logged, logged.port(), dynos, o.reps) };
    const many = await benchManyApps(logged, dynos[0]!.port, o, median(runs.get('haproxy')!.map((r) => r.rps)));
    const restart = await benchRestart({ dynoPort: dynos[0]!.port, port: await freePort(), rps: 100, settleMs: 1_500 });
    reportUpdates(report, updates, o.reps);
    report.section(`edge: ${o.apps} apps with a custom domain each (router-haproxy, log on)`, table(['what', 'value'], many.rows));
    report.add({ bench: `edge: ${o.apps} apps, throughput to the last app ÷ one app`, runtime: '–', unit: 'ratio', values: [many.ratio] });
    report.add({ bench: `edge: ${o.apps} apps, HAProxy memory (master + workers)`, runtime: '–', unit: 'bytes', values: [many.proxyRss] });
    report.add({ bench: `edge: ${o.apps} apps, the driver's heap in platformd (this process)`, runtime: '–', unit: 'bytes', values: [many.heap] });
    report.add({ bench: 'edge: requests failed across platformd stop + kill -9 (~100 req/s)', runtime: '–', unit: 'count', values: [restart.failed], target: { kind: 'max', value: 0 }, note: `of ${restart.sent}; proxy adopted: ${restart.adopted.slice(1).join(', ')}` });
    report.section(
      'edge: platformd restarts under ~100 req/s (a platformd stand-in driving router-haproxy; new connection per request)',
      table(
        ['what', 'value'],
        [
          ['requests sent / failed', `${restart.sent} / ${restart.failed}`],
          ['SIGTERM → the next platformd adopted the proxy and set its routes', ms(restart.gaps.stop)],
          ['kill -9 → the next platformd adopted the proxy and set its routes', ms(restart.gaps.kill)],
        ],
      ),
    );
  } finally {
    await node.close();
    for (const r of [logged, quiet]) {
      await r.close();
      await r.stopProxy();
    }
    await nginxLike.stop();
    await nginxPlain.stop();
    await sink.close();
    for (const d of dynos) d.child.kill();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A TCP port free on 127.0.0.1 now (for the restart's own proxy). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const median = (values: number[]) => summarize(values)?.median ?? NaN;
const spread = (values: number[], digits: number, unit = '') => {
  const s = summarize(values);
  return s ? `${num(s.median, digits)}${unit} (${num(s.min, digits)}–${num(s.max, digits)})` : '–';
};

function reportThroughput(report: Report, paths: Path[], runs: Map<string, Run[]>, o: EdgeOptions): void {
  const of = (key: string) => runs.get(key)!;
  const perRound = (a: string, b: string, f: (x: Run, y: Run) => number) => of(a).map((x, i) => f(x, of(b)[i]!));
  const ratio = (a: string, b: string) => perRound(a, b, (x, y) => x.rps / y.rps);
  const added = (a: string) => perRound(a, 'direct', (x, y) => x.p50 - y.p50);
  const addedAlone = (a: string) => perRound(a, 'direct', (x, y) => x.p50Alone - y.p50Alone);
  report.section(
    `edge: one request path each (wrk -t1 -c${o.connections}, keep-alive; HAProxy ${defaultThreads(availableParallelism())} thread(s), nginx as many workers; ${o.rounds} interleaved rounds × ${o.seconds} s; median (min–max) over rounds; load ${loadavg()[0]!.toFixed(1)})`,
    table(
      ['path', 'req/s', '÷ nginx same work', '÷ nginx plain', 'p50', 'p50 added vs direct', 'p50 added, one connection', 'CPU µs/req: proxy', 'this process (log receiver)', 'dyno', 'log lines/req'],
      paths.map((p) => {
        const r = of(p.key);
        return [
          p.name,
          spread(r.map((x) => x.rps), 0),
          spread(ratio(p.key, p.key.endsWith('-tls') ? 'nginx-like-tls' : 'nginx-like'), 2),
          p.key.endsWith('-tls') ? '–' : spread(ratio(p.key, 'nginx'), 2),
          spread(r.map((x) => x.p50), 2, ' ms'),
          spread(added(p.key), 2, ' ms'),
          spread(addedAlone(p.key), 3, ' ms'),
          p.key === 'direct' || p.key === 'node' ? '–' : num(median(r.map((x) => x.cpu.proxy)), 1),
          num(median(r.map((x) => x.cpu.here)), 1),
          num(median(r.map((x) => x.cpu.dyno)), 1),
          p.lines ? num(median(r.map((x) => x.linesPerRequest ?? NaN)), 2) : '–',
        ];
      }),
    ),
  );
  report.add({ bench: 'edge: router-haproxy (log on) throughput ÷ nginx doing the same work', runtime: '–', unit: 'ratio', values: ratio('haproxy', 'nginx-like'), target: { kind: 'min', value: 1 } });
  report.add({ bench: 'edge: router-haproxy (log on) throughput ÷ nginx plain', runtime: '–', unit: 'ratio', values: ratio('haproxy', 'nginx'), target: { kind: 'min', value: 1 } });
  // The latency a hop adds is read on one connection; at 16 the p50 is mostly queueing for the two cores.
  report.add({ bench: 'edge: router-haproxy (log on) p50 added vs direct, one connection', runtime: '–', unit: 'ms', values: addedAlone('haproxy'), target: { kind: 'max', value: 0.3 } });
  report.add({ bench: 'edge: router-haproxy (log on) p50 added vs direct, under load (reference)', runtime: '–', unit: 'ms', values: added('haproxy') });
  report.add({ bench: 'edge: router-haproxy over TLS (log on) throughput ÷ nginx over TLS, same work', runtime: '–', unit: 'ratio', values: ratio('haproxy-tls', 'nginx-like-tls'), target: { kind: 'min', value: 1 } });
  report.add({ bench: 'edge: router-haproxy over TLS (log on) p50 added vs direct (plain), one connection', runtime: '–', unit: 'ms', values: addedAlone('haproxy-tls'), target: { kind: 'max', value: 0.3 } });
  report.add({ bench: 'edge: nginx over TLS (same work) p50 added vs direct, one connection (reference)', runtime: '–', unit: 'ms', values: addedAlone('nginx-like-tls') });
  report.add({ bench: 'edge: router-haproxy (log off) throughput ÷ nginx plain (reference)', runtime: '–', unit: 'ratio', values: ratio('haproxy-quiet', 'nginx') });
  report.add({ bench: 'edge: nginx same work p50 added vs direct, one connection (reference)', runtime: '–', unit: 'ms', values: addedAlone('nginx-like') });
}

function reportUpdates(report: Report, updates: Record<'node' | 'haproxy', { swap: number[]; fresh: number[] }>, reps: number): void {
  const lat = (v: number[]) => `${ms(quantile(v, 0.5))} / ${ms(Math.max(...v))}`;
  report.section(
    `edge: route updates (setRoutes called with a dyno that is up → first request it answers through the proxy; ${reps} reps)`,
    table(
      ['driver', 'dyno swap → served (p50 / max)', 'new app → served (p50 / max; HAProxy: a spare backend, a background reload refills the pool)'],
      [
        ['router-node', lat(updates.node.swap), lat(updates.node.fresh)],
        ['router-haproxy', lat(updates.haproxy.swap), lat(updates.haproxy.fresh)],
      ],
    ),
  );
  report.add({ bench: 'edge: route update, dyno up → served through HAProxy', runtime: '–', unit: 'ms', values: updates.haproxy.swap });
  report.add({ bench: 'edge: route update, new app → served through HAProxy (spare backend)', runtime: '–', unit: 'ms', values: updates.haproxy.fresh });
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
async function benchManyApps(router: HaproxyRouter, dynoPort: number, o: EdgeOptions, oneAppRps: number) {
  // A full collection before each reading, so the heap figure is what the driver keeps, not garbage.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => (gc(), process.memoryUsage().heapUsed);
  const before = { proxy: await rssOf(router.pid()!), heap: heap(), rss: process.memoryUsage().rss };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.apps }, async (_, i) => {
      await router.setRoutes(`many-${i}`, [{ dyno: 'web.1', address: { host: '127.0.0.1', port: dynoPort } }]);
      await router.setDomains(`many-${i}`, [`www.many-${i}.test`]);
    }),
  );
  const setupMs = performance.now() - started;
  await wrk(`http://127.0.0.1:${router.port()}/`, `www.many-${o.apps - 1}.test`, 1, o.connections);
  const r = await wrk(`http://127.0.0.1:${router.port()}/`, `www.many-${o.apps - 1}.test`, o.seconds, o.connections);
  const after = { proxy: await rssOf(router.pid()!), heap: heap(), rss: process.memoryUsage().rss };
  o.log(`edge many apps: ${o.apps} set up in ${ms(setupMs)}, ${num(r.rps)} req/s, HAProxy RSS ${mb(before.proxy)} → ${mb(after.proxy)}`);
  return {
    ratio: r.rps / oneAppRps,
    proxyRss: after.proxy,
    heap: after.heap - before.heap,
    rows: [
      ['routes + domains for every app set (concurrently; new backends share reloads)', ms(setupMs)],
      ['HAProxy resident memory, one app → all (master + workers)', `${mb(before.proxy)} → ${mb(after.proxy)}`],
      ["platformd's side: this process's heap / RSS growth (the driver's state; no dynos, store or API here)", `${mb(after.heap - before.heap)} / ${mb(after.rss - before.rss)}`],
      ['throughput to the last app by its custom domain (log on)', `${num(r.rps)} req/s (${num(r.rps / oneAppRps, 2)}× one app's median), p50 ${ms(r.p50)}`],
    ],
  };
}
