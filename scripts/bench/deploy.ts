import type { PushTrace, Session } from './session.ts';
import type { Report } from './report.ts';
import { until } from './wait.ts';

export interface DeployOptions {
  coldReps: number;
  warmReps: number;
  rollbackReps: number;
  scaleReps: number;
  log: (line: string) => void;
}

/** Marks in a push's stream, as ms since `git push` started; a mark the server did not print stays undefined. */
interface PushMarks {
  firstRemote?: number;
  compressing?: number;
  image?: number;
  launching?: number;
  released?: number;
  exit: number;
  live: number;
}

function marksOf(trace: PushTrace, liveAt: number): PushMarks {
  const at = (re: RegExp) => trace.lines.find((l) => re.test(l.text))?.t;
  return {
    firstRemote: at(/^remote: /),
    compressing: at(/^remote: -----> Compressing/),
    image: at(/^remote: -----> Creating image/),
    launching: at(/^remote: -----> Launching/),
    released: at(/^remote: \s+Released v\d+/),
    exit: trace.exitAt,
    live: liveAt - trace.startedAt,
  };
}

/** Stage durations between consecutive marks that exist; an absent mark folds its stage into the next one. */
function stagesOf(m: PushMarks): Array<[string, number]> {
  const seq: Array<[string, number | undefined]> = [
    ['receive (push → first remote line)', m.firstRemote],
    ['build (buildpack detect + compile)', m.compressing],
    ['slug (compress + store)', m.image ?? m.launching],
    ['image (create image)', m.image === undefined ? undefined : m.launching],
    ['boot (Launching → Released)', m.released],
    ['Released → new code answers', m.live],
  ];
  const out: Array<[string, number]> = [];
  let prev = 0;
  for (const [name, mark] of seq) {
    if (mark === undefined) continue;
    out.push([name, mark - prev]);
    prev = mark;
  }
  return out;
}

function collect(samples: PushMarks[]) {
  const stages = new Map<string, number[]>();
  for (const s of samples)
    for (const [name, v] of stagesOf(s)) stages.set(name, [...(stages.get(name) ?? []), v]);
  stages.set(
    'git push exits (total)',
    samples.map((s) => s.exit),
  );
  return [...stages].map(([name, values]) => ({ name, values }));
}

/** Pushes the repo's current commit to `app` and waits until `code` answers through the router. */
async function timedPush(s: Session, app: string, code: string): Promise<PushMarks> {
  const stop = new AbortController();
  const live = until(async () => (await s.get(app)).body.startsWith(`${code} `), {
    timeoutMs: 600_000,
    what: `${code} to answer`,
    signal: stop.signal,
  });
  live.catch(() => undefined);
  const trace = await s.push(app);
  if (trace.code !== 0) {
    stop.abort();
    throw new Error(
      `git push to ${app} failed (${trace.code}):\n${trace.lines
        .slice(-20)
        .map((l) => l.text)
        .join('\n')}`,
    );
  }
  return marksOf(trace, await live);
}

export async function benchDeploys(s: Session, report: Report, o: DeployOptions): Promise<string> {
  const rt = s.runtime;
  // Cold: a fresh app each time, so nothing is cached for it (npm install of one small dependency).
  const cold: PushMarks[] = [];
  let app = '';
  for (let i = 1; i <= o.coldReps; i++) {
    app = `bench-${rt}-${i}`;
    await s.createApp(app);
    await s.setCode(`cold-${i}`);
    cold.push(await timedPush(s, app, `cold-${i}`));
    o.log(`push cold ${i}/${o.coldReps}: ${Math.round(cold.at(-1)!.live)} ms`);
  }
  report.add({ bench: 'push-to-live, cold', runtime: rt, unit: 'ms', values: cold.map((m) => m.live) });
  report.breakdown({ title: `push-to-live, cold (${rt})`, stages: collect(cold) });

  // Warm: one-line change to the last app, dependencies unchanged.
  const codes = [`cold-${o.coldReps}`];
  const warm: PushMarks[] = [];
  for (let i = 1; i <= o.warmReps; i++) {
    await s.setCode(`warm-${i}`);
    warm.push(await timedPush(s, app, `warm-${i}`));
    codes.push(`warm-${i}`);
    o.log(`push warm ${i}/${o.warmReps}: ${Math.round(warm.at(-1)!.live)} ms`);
  }
  report.add({
    bench: 'push-to-live, warm',
    runtime: rt,
    unit: 'ms',
    values: warm.map((m) => m.live),
    // Issue 19 sets no swarm target: its figures are reported beside docker's.
    target: rt === 'swarm' ? undefined : { kind: 'max', value: rt === 'docker' ? 3000 : 1500 },
  });
  report.breakdown({ title: `push-to-live, warm (${rt})`, stages: collect(warm) });

  // Rollback: `platform rollback` goes to the release before the current one, so the code alternates.
  const rollback = { cli: [] as number[], live: [] as number[], startup: [] as number[] };
  for (let i = 1; i <= o.rollbackReps; i++) {
    rollback.startup.push(await cliStartup(s));
    const target = codes.at(-2)!;
    const stop = new AbortController();
    const t0 = performance.now();
    const live = until(async () => (await s.get(app)).body.startsWith(`${target} `), {
      timeoutMs: 120_000,
      what: `${target} after rollback`,
      signal: stop.signal,
    });
    live.catch(() => undefined);
    const r = await s.cli(['rollback', '-a', app]);
    const cliAt = performance.now() - t0;
    if (r.code !== 0) {
      stop.abort();
      throw new Error(`platform rollback failed: ${r.stderr}`);
    }
    rollback.cli.push(cliAt);
    rollback.live.push((await live) - t0);
    codes.push(target);
    o.log(`rollback ${i}/${o.rollbackReps}: ${Math.round(rollback.live.at(-1)!)} ms`);
  }
  report.add({
    bench: 'rollback-to-serving',
    runtime: rt,
    unit: 'ms',
    values: rollback.live,
    target: rt === 'docker' ? { kind: 'max', value: 1500 } : undefined,
  });
  report.breakdown({
    title: `rollback-to-serving (${rt})`,
    note: 'each mark measured from the start of `platform rollback`',
    stages: [
      { name: 'CLI start-up alone (`platform --version`, measured separately)', values: rollback.startup },
      { name: '`platform rollback` exits (new release created, its dynos booted)', values: rollback.cli },
      { name: 'old code answers through the router', values: rollback.live },
    ],
  });

  await benchScale(s, app, report, o);
  return app;
}

/** How long the CLI takes to start and exit doing nothing, to tell its start-up from the platform's work. */
async function cliStartup(s: Session): Promise<number> {
  const t0 = performance.now();
  await s.cli(['--version']);
  return performance.now() - t0;
}

async function webDynos(s: Session, app: string) {
  const r = await s.api('GET', `/apps/${app}/dynos`);
  return (r.json as Array<{ type: string; state: string; name: string }>).filter((d) => d.type === 'web');
}

async function benchScale(s: Session, app: string, report: Report, o: DeployOptions): Promise<void> {
  const rt = s.runtime;
  const out = {
    cli: [] as number[],
    up: [] as number[],
    routed: [] as number[],
    total: [] as number[],
    scaleIn: [] as number[],
    startup: [] as number[],
  };
  for (let i = 1; i <= o.scaleReps; i++) {
    out.startup.push(await cliStartup(s));
    const t0 = performance.now();
    const up = until(async () => (await webDynos(s, app)).filter((d) => d.state === 'up').length === 8, {
      timeoutMs: 120_000,
      what: '8 web dynos up',
    });
    // Routed: requests through the router have reached 8 distinct dynos (the fixture answers with $DYNO).
    const seen = new Set<string>();
    const routed = until(
      async () => {
        const answers = await Promise.all(
          Array.from({ length: 16 }, () => s.get(app).catch(() => ({ body: '' }))),
        );
        for (const a of answers) if (a.body) seen.add(a.body.split(' ')[1]!);
        return seen.size >= 8;
      },
      { timeoutMs: 120_000, what: 'requests to reach 8 dynos' },
    );
    const r = await s.cli(['ps:scale', 'web=8', '-a', app]);
    const cliAt = performance.now() - t0;
    if (r.code !== 0) throw new Error(`ps:scale web=8 failed: ${r.stderr}`);
    const [upAt, routedAt] = await Promise.all([up, routed]);
    out.cli.push(cliAt);
    out.up.push(upAt - t0);
    out.routed.push(routedAt - t0);
    out.total.push(Math.max(upAt, routedAt) - t0);
    o.log(`scale-out ${i}/${o.scaleReps}: ${Math.round(out.total.at(-1)!)} ms`);
    const t1 = performance.now();
    const back = await s.cli(['ps:scale', 'web=1', '-a', app]);
    if (back.code !== 0) throw new Error(`ps:scale web=1 failed: ${back.stderr}`);
    out.scaleIn.push(
      (await until(async () => (await webDynos(s, app)).length === 1, {
        timeoutMs: 120_000,
        what: 'scale back to web=1',
      })) - t1,
    );
  }
  report.add({
    bench: 'scale-out web=1 → 8',
    runtime: rt,
    unit: 'ms',
    values: out.total,
    target: rt === 'docker' ? { kind: 'max', value: 5000 } : undefined,
  });
  report.breakdown({
    title: `scale-out web=1 → 8 (${rt})`,
    note: 'each mark measured from the start of `platform ps:scale web=8`',
    stages: [
      { name: 'CLI start-up alone (`platform --version`, measured separately)', values: out.startup },
      { name: '`platform ps:scale web=8` exits', values: out.cli },
      { name: 'API shows 8 web dynos up', values: out.up },
      { name: 'router has answered from all 8', values: out.routed },
      { name: '(not a target) scale-in web=8 → 1 until 1 dyno listed', values: out.scaleIn },
    ],
  });
}
