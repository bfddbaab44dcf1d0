import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../test/support/cli.ts';
import type { Session } from './session.ts';
import type { Report } from './report.ts';
import { ms, num, table } from './stats.ts';
import { until } from './wait.ts';
import { cpuTicks, descendants } from './proc.ts';

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: string;
}

type Measured = WrkResult & { cpu: { proxy: number; dyno: number } };

/** Parses `wrk --latency` output (latencies in ms). */
export function parseWrk(text: string): WrkResult {
  const unit = (v: string, u: string) =>
    Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[u]!;
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? unit(m[1]!, m[2]!) : NaN;
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const requests = /(\d+) requests in/.exec(text);
  const errors = [/Socket errors:.*$/m.exec(text)?.[0], /Non-2xx or 3xx responses:.*$/m.exec(text)?.[0]]
    .filter(Boolean)
    .join('; ');
  return {
    rps: rps ? Number(rps[1]) : NaN,
    p50: pct('50'),
    p99: pct('99'),
    requests: requests ? Number(requests[1]) : 0,
    errors,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });

/** Debian's nginx as a keep-alive reverse proxy to one upstream, in its own temp prefix; returns its port and a stop. */
export async function startNginx(
  upstreamPort: number,
): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-nginx-'));
  const port = await freePort();
  const conf = `
worker_processes auto;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream dyno { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://dyno;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(
    'nginx',
    ['-e', path.join(dir, 'error.log'), '-p', dir, '-c', path.join(dir, 'nginx.conf')],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until(() => canConnect(port), { timeoutMs: 10_000, what: 'nginx to listen' });
  return {
    port,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function wrk(
  url: string,
  host: string | null,
  seconds: number,
  connections: number,
): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...(host ? ['-H', `Host: ${host}`] : []),
    url,
  ];
  const r = await run('wrk', args, { timeoutMs: (seconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`wrk failed (${r.code}): ${r.stderr}`);
  return parseWrk(r.stdout);
}

export async function which(cmd: string): Promise<boolean> {
  const r = await run('sh', ['-c', 'command -v "$1"', 'sh', cmd]).catch(() => ({ code: 1 }));
  return r.code === 0;
}

/**
 * Same dyno, same wrk settings, one after the other in the same run: straight to the dyno, through the builtin
 * router, through nginx. The dyno's own port comes from its answer (process runtime: dynos listen on the host).
 */
export async function benchRouter(
  s: Session,
  app: string,
  report: Report,
  o: { seconds: number; connections: number; log: (l: string) => void },
) {
  if (!(await which('wrk'))) {
    report.note('router: skipped — wrk is not installed (`apt-get install -y wrk nginx`).');
    return;
  }
  const answer = (await s.get(app)).body.trim().split(' ');
  const dynoPort = Number(answer[2]);
  if (!dynoPort) throw new Error(`router bench: cannot tell the dyno's port from "${answer.join(' ')}"`);
  const routerUrl = new URL(s.server.routerUrl);
  const host = `${app}.localhost:${routerUrl.port}`;
  const warmup = Math.max(1, Math.round(o.seconds / 5));
  // Where the time goes: CPU used by the proxy and by the dyno during each run (two cores shared with wrk).
  const platformd = s.server.child.pid!;
  const dynos = await descendants(platformd, /^(?!postgres$)/); // the dyno (web=1) and whatever wraps it
  const measure = async (name: string, url: string, hostHeader: string | null, proxyPids: number[]) => {
    await wrk(url, hostHeader, warmup, o.connections);
    const before = { proxy: await cpuTicks(proxyPids), dyno: await cpuTicks(dynos) };
    const r = await wrk(url, hostHeader, o.seconds, o.connections);
    const cpu = {
      proxy: ((await cpuTicks(proxyPids)) - before.proxy) / o.seconds,
      dyno: ((await cpuTicks(dynos)) - before.dyno) / o.seconds,
    };
    o.log(
      `router ${name}: ${num(r.rps)} req/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}${r.errors ? ` (${r.errors})` : ''}`,
    );
    return { ...r, cpu };
  };
  const direct = await measure('direct', `http://127.0.0.1:${dynoPort}/`, null, []);
  const builtin = await measure('builtin', `${s.server.routerUrl.replace(/\/$/, '')}/`, host, [platformd]);
  let nginx: Measured | null = null;
  if (await which('nginx')) {
    const ng = await startNginx(dynoPort);
    try {
      nginx = await measure('nginx', `http://127.0.0.1:${ng.port}/`, host, [
        ng.pid,
        ...(await descendants(ng.pid, /^nginx$/)),
      ]);
    } finally {
      await ng.stop();
    }
  } else {
    report.note('router: nginx comparison skipped — nginx is not installed (`apt-get install -y nginx`).');
  }
  const pct = (ticksPerSecond: number) => `${Math.round(ticksPerSecond)} %`;
  const row = (name: string, r: Measured | null, proxy: boolean) =>
    r
      ? [
          name,
          num(r.rps),
          ms(r.p50),
          ms(r.p99),
          ms(r.p50 - direct.p50),
          proxy ? pct(r.cpu.proxy) : '–',
          pct(r.cpu.dyno),
          r.errors || '–',
        ]
      : [name, '–', '–', '–', '–', '–', '–', 'not run'];
  report.section(
    `router (${s.runtime} runtime; wrk -t1 -c${o.connections} -d${o.seconds}s keep-alive, after a ${warmup} s warm-up each; GET / → ~20-byte body)`,
    table(
      ['path', 'req/s', 'p50', 'p99', 'p50 added vs direct', 'proxy CPU (of one core)', 'dyno CPU', 'errors'],
      [
        row('straight to the dyno', direct, false),
        row('builtin router (in platformd)', builtin, true),
        row('nginx (Debian, worker_processes auto) → dyno', nginx, true),
      ],
    ),
  );
  if (nginx)
    report.add({
      bench: 'router throughput ÷ nginx',
      runtime: s.runtime,
      unit: 'ratio',
      values: [builtin.rps / nginx.rps],
      target: { kind: 'min', value: 0.5 },
    });
  report.add({
    bench: 'router p50 added vs direct',
    runtime: s.runtime,
    unit: 'ms',
    values: [builtin.p50 - direct.p50],
    target: { kind: 'max', value: 1 },
  });
  if (nginx)
    report.add({
      bench: 'nginx p50 added vs direct (reference)',
      runtime: s.runtime,
      unit: 'ms',
      values: [nginx.p50 - direct.p50],
    });
}
