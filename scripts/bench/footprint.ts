import { Agent, request } from 'node:http';
import type { Session } from './session.ts';
import type { Report } from './report.ts';
import { mb, ms, quantile, table } from './stats.ts';
import { until } from './wait.ts';
import { cpuTicks, descendants, procStat, rssBytes, statusBytes } from './proc.ts';

/** Waits until the process uses < 3 % of a core over half a second (or 20 s pass), so "idle" means idle. */
async function settle(pid: number): Promise<void> {
  const hz = 100;
  await until(
    async () => {
      const a = (await procStat(pid))!.cpuTicks;
      await new Promise((r) => setTimeout(r, 500));
      const b = (await procStat(pid))!.cpuTicks;
      return (b - a) / hz / 0.5 < 0.03;
    },
    { timeoutMs: 20_000, what: 'platformd to go idle', intervalMs: 0 },
  ).catch(() => undefined);
}

/** N clients on keep-alive connections, each sending its next request when the last one answered. */
export async function loadTest(
  url: string,
  headers: Record<string, string>,
  clients: number,
  seconds: number,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const target = new URL(url);
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t);
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            resolve();
          });
        },
      );
      req.on('error', () => (statuses.set(0, (statuses.get(0) ?? 0) + 1), resolve()));
      req.end();
    });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  return { latencies, statuses, rps: latencies.length / seconds };
}

export async function benchFootprint(
  s: Session,
  report: Report,
  o: { apps: number; apiSeconds: number; reps: number; log: (l: string) => void },
) {
  const pid = s.server.child.pid!;
  await settle(pid);
  const rssEmpty = await rssBytes(pid);
  for (let i = 1; i <= o.apps; i++) {
    const app = `fp-${s.runtime}-${i}`;
    await s.createApp(app);
    const push = await s.push(app);
    if (push.code !== 0)
      throw new Error(
        `footprint: push to ${app} failed:\n${push.lines
          .slice(-20)
          .map((l) => l.text)
          .join('\n')}`,
      );
    o.log(`footprint: deployed ${i}/${o.apps}`);
  }
  await settle(pid);
  const rss = await rssBytes(pid);
  const [anon, file, shmem] = await Promise.all(
    ['RssAnon', 'RssFile', 'RssShmem'].map((f) => statusBytes(pid, f)),
  );
  const pg = await descendants(pid, /^postgres$/);
  const pgRss = (await Promise.all(pg.map((p) => rssBytes(p).catch(() => 0)))).reduce((a, b) => a + b, 0);
  report.add({
    bench: `platformd RSS, idle, ${o.apps} apps deployed`,
    runtime: s.runtime,
    unit: 'bytes',
    values: [rss],
    target: { kind: 'max', value: 150 * 1024 * 1024 },
  });
  report.section(
    `platformd memory (${s.runtime}), from /proc/<pid>/status`,
    table(
      ['', 'RSS'],
      [
        ['idle, just started, no apps', mb(rssEmpty)],
        [`idle, ${o.apps} apps deployed`, mb(rss)],
        ['… of which anonymous (JS heap, native allocations)', mb(anon)],
        ['… of which file-backed (node binary, shared libraries)', mb(file)],
        ['… of which shared memory', mb(shmem)],
      ],
    ),
  );
  report.add({
    bench: `embedded Postgres RSS (${pg.length} processes, shared pages counted in each)`,
    runtime: s.runtime,
    unit: 'bytes',
    values: [pgRss],
  });

  const url = `${s.server.apiUrl.replace(/\/$/, '')}/apps/fp-${s.runtime}-1/releases`;
  const headers = {
    Authorization: `Bearer ${s.server.token}`,
    Accept: 'application/vnd.heroku+json; version=3',
  };
  await loadTest(url, headers, 50, 1); // warm-up
  // Where the time goes: one client alone gives the service time; under 50 clients, who burns the two cores.
  const serial = await loadTest(url, headers, 1, Math.min(3, o.apiSeconds));
  const cpuBefore = { server: await cpuTicks([pid]), pg: await cpuTicks(pg), bench: process.cpuUsage() };
  const p99s: number[] = [];
  const p50s: number[] = [];
  const rps: number[] = [];
  for (let i = 1; i <= o.reps; i++) {
    const r = await loadTest(url, headers, 50, o.apiSeconds);
    const bad = [...r.statuses].filter(([code]) => code !== 200 && code !== 206);
    if (bad.length)
      report.note(`footprint API rep ${i}: non-2xx answers ${JSON.stringify(Object.fromEntries(bad))}`);
    p99s.push(quantile(r.latencies, 0.99));
    p50s.push(quantile(r.latencies, 0.5));
    rps.push(r.rps);
    o.log(
      `footprint API ${i}/${o.reps}: p50 ${p50s.at(-1)!.toFixed(1)} ms, p99 ${p99s.at(-1)!.toFixed(1)} ms, ${Math.round(r.rps)} req/s`,
    );
  }
  const wall = o.reps * o.apiSeconds;
  const share = (ticks: number) => `${Math.round((ticks / 100 / wall) * 100)} % of one core`;
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  report.section(
    `API under load (${s.runtime}): where the time goes`,
    table(
      ['', ''],
      [
        [
          'one client alone: p50 / p99 (service time)',
          `${ms(quantile(serial.latencies, 0.5))} / ${ms(quantile(serial.latencies, 0.99))}`,
        ],
        ['50 clients: platformd CPU', share((await cpuTicks([pid])) - cpuBefore.server)],
        ['50 clients: embedded Postgres CPU', share((await cpuTicks(pg)) - cpuBefore.pg)],
        [
          '50 clients: the load generator (this bench process) CPU',
          share(((benchCpu.user + benchCpu.system) / 1e6) * 100),
        ],
        [
          "50 clients: queueing (Little's law, 50 ÷ req/s)",
          ms((50 / (rps.reduce((a, b) => a + b, 0) / rps.length)) * 1000),
        ],
      ],
    ),
  );
  report.add({
    bench: 'API p99, GET /apps/{app}/releases, 50 clients',
    runtime: s.runtime,
    unit: 'ms',
    values: p99s,
    target: { kind: 'max', value: 50 },
  });
  report.add({ bench: 'API p50, same load (reference)', runtime: s.runtime, unit: 'ms', values: p50s });
  report.add({ bench: 'API req/s, same load (reference)', runtime: s.runtime, unit: 'req/s', values: rps });
}
