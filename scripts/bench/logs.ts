import { createServer, type Server } from 'node:http';
import type { Session } from './session.ts';
import type { Report, Target } from './report.ts';
import { until } from './wait.ts';

/** An HTTP drain endpoint (logplex-1 batches of octet-counted syslog frames) that counts the bench's numbered lines. */
export interface DrainReceiver {
  url: string;
  /** Indices of `bench-line <run> <i>` seen for a run. */
  seen(run: string): Set<number>;
  frames: number;
  batches: number;
  /** performance.now() of the last batch received. */
  lastFrameAt: number;
  /** Frames reporting dropped messages (logplex `Error L10`). */
  dropReports: string[];
  close(): Promise<void>;
}

/** Splits a logplex-1 body (`<len> <msg>` repeated, len in bytes) into messages. */
export function parseFrames(body: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    while (i < body.length && (body[i] === 0x0a || body[i] === 0x0d)) i++; // tolerate a trailing newline per frame
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(body.subarray(i, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0) break;
    out.push(body.subarray(space + 1, space + 1 + len).toString('utf8'));
    i = space + 1 + len;
  }
  return out;
}

export async function startDrainReceiver(): Promise<DrainReceiver> {
  const runs = new Map<string, Set<number>>();
  const state = { frames: 0, batches: 0, dropReports: [] as string[], lastFrameAt: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.batches++;
      state.lastFrameAt = performance.now();
      for (const msg of parseFrames(Buffer.concat(chunks))) {
        state.frames++;
        const m = /bench-line (\S+) (\d+)\s*$/.exec(msg);
        if (m) {
          let set = runs.get(m[1]!);
          if (!set) runs.set(m[1]!, (set = new Set()));
          set.add(Number(m[2]));
        } else if (/Error L10/.test(msg)) state.dropReports.push(msg);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/drain`,
    seen: (run) => runs.get(run) ?? new Set(),
    get frames() {
      return state.frames;
    },
    get batches() {
      return state.batches;
    },
    get lastFrameAt() {
      return state.lastFrameAt;
    },
    get dropReports() {
      return state.dropReports;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The indices of a run's lines in the app's history (`POST /log-sessions`, then read the backlog). */
async function historyIndices(s: Session, app: string, run: string, lines: number): Promise<number[] | null> {
  const session = await s.api('POST', `/apps/${app}/log-sessions`, { lines, tail: false, source: 'app' });
  if (session.status === 404) return null; // the route is not there yet (the app exists)
  if (session.status !== 201 && session.status !== 200)
    throw new Error(`log-sessions: ${session.status} ${JSON.stringify(session.json)}`);
  const url = new URL(session.json.logplex_url as string, s.server.apiUrl);
  // The token only goes back to the platform itself; a backlog read (tail: false) must end on its own.
  const ownServer = url.origin === new URL(s.server.apiUrl).origin;
  const res = await fetch(url, {
    headers: ownServer ? { Authorization: `Bearer ${s.server.token}` } : {},
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const re = new RegExp(`bench-line ${run} (\\d+)`, 'g');
  return [...text.matchAll(re)].map((m) => Number(m[1]));
}

export interface LogBenchOptions {
  lines: number;
  reps: number;
  historyLines: number;
  /** Lines per second for the paced runs (the target rate). */
  rate: number;
  log: (l: string) => void;
}

export async function benchLogs(s: Session, app: string, report: Report, o: LogBenchOptions) {
  const drain = await startDrainReceiver();
  try {
    const created = await s.api('POST', `/apps/${app}/log-drains`, { url: drain.url });
    if (created.status === 404) {
      report.add({
        bench: 'log pipeline (history + HTTP drain)',
        runtime: s.runtime,
        unit: 'lines/s',
        values: [],
        note: 'not available: POST /apps/{app}/log-drains answers 404',
      });
      o.log('log pipeline: not available (log-drains route answers 404)');
      return;
    }
    if (created.status !== 201 && created.status !== 200)
      throw new Error(`log-drains: ${created.status} ${JSON.stringify(created.json)}`);
    // Paced: the dyno prints at the target rate, so "nothing lost" is a fair test of sustained throughput.
    // Burst: as fast as stdout takes them, which overflows any bounded drain buffer (Heroku drops too, with L10).
    await logRuns(s, app, report, drain, o, o.rate, `paced at ${o.rate.toLocaleString('en-US')} lines/s`, {
      kind: 'min',
      value: 20_000,
    });
    await logRuns(s, app, report, drain, o, 0, 'burst', undefined);
  } finally {
    await drain.close();
  }
}

async function logRuns(
  s: Session,
  app: string,
  report: Report,
  drain: DrainReceiver,
  o: LogBenchOptions,
  rate: number,
  label: string,
  target: Target | undefined,
) {
  const rates: number[] = [];
  const stages = { wrote: [] as number[], history: [] as number[], drain: [] as number[] };
  let lost = 0;
  let historyMissing = false;
  const dropsBefore = drain.dropReports.length;
  const framesBefore = drain.frames;
  const batchesBefore = drain.batches;
  for (let i = 1; i <= o.reps; i++) {
    const run = `r${i}x${Date.now().toString(36)}`;
    const t0 = performance.now();
    const wrote = await s.get(app, `/log?n=${o.lines}&run=${run}&rate=${rate}`);
    if (wrote.status !== 200) throw new Error(`the fixture's /log answered ${wrote.status}`);
    const wroteAt = performance.now() - t0;
    // Every line at the drain, or give up once it has been quiet for 3 s (lines were dropped).
    // Both watched at once, so each figure is its own arrival time.
    const [drainAt, historyAt] = await Promise.all([
      until(
        async () => {
          if (drain.seen(run).size === o.lines) return true;
          return performance.now() - Math.max(drain.lastFrameAt, t0 + wroteAt) > 3000; // quiet: lines were dropped
        },
        { timeoutMs: 120_000, what: 'every line at the drain', intervalMs: 10 },
      )
        .then((at) => (drain.seen(run).size === o.lines ? at : NaN))
        .catch(() => NaN),
      until(
        async () => {
          const idx = await historyIndices(s, app, run, o.historyLines);
          if (idx === null) historyMissing = true;
          return idx === null || idx.includes(o.lines - 1);
        },
        { timeoutMs: 30_000, what: 'the last line in the history', intervalMs: 50 },
      ).catch(() => NaN),
    ]);
    if (!historyMissing && Number.isFinite(historyAt)) {
      // The history keeps the newest lines: its tail of this run must be contiguous and end at the last line.
      const tail = ((await historyIndices(s, app, run, o.historyLines)) ?? []).slice(
        -Math.min(o.historyLines, o.lines),
      );
      if (!tail.every((v, k) => v === o.lines - tail.length + k))
        report.note(
          `log pipeline (${label}) rep ${i}: the history's last ${tail.length} lines are not contiguous.`,
        );
    }
    const missing = o.lines - drain.seen(run).size;
    lost += missing;
    const end = Math.max(drainAt, historyMissing ? 0 : historyAt) - t0;
    stages.wrote.push(wroteAt);
    stages.drain.push(drainAt - t0);
    if (!historyMissing) stages.history.push(historyAt - t0);
    rates.push(missing === 0 ? (o.lines / end) * 1000 : NaN);
    o.log(
      `log pipeline ${label} ${i}/${o.reps}: ${missing === 0 ? `${Math.round((o.lines / end) * 1000)} lines/s` : `${missing} of ${o.lines} lines missing at the drain`}`,
    );
  }
  if (historyMissing)
    report.note('log pipeline: the history (log-sessions) answers 404; the figure covers the drain only.');
  const drops = drain.dropReports.slice(dropsBefore);
  report.add({
    bench: `log pipeline, ${label} (history + HTTP drain)`,
    runtime: s.runtime,
    unit: 'lines/s',
    values: rates,
    target,
    note: lost
      ? `${lost} of ${o.lines * o.reps} lines lost at the drain${drops.length ? `, ${drops.length} L10 drop reports` : ''}`
      : undefined,
  });
  report.breakdown({
    title: `log pipeline, ${label} (${s.runtime}), ${o.lines.toLocaleString('en-US')} lines per rep`,
    note: `${drain.batches - batchesBefore} drain batches, ${drain.frames - framesBefore} frames${drops.length ? `; first drop report: "${drops[0]!.trim().slice(-110)}"` : ''}`,
    stages: [
      { name: 'dyno has written every line to stdout', values: stages.wrote },
      { name: 'last line in the history (log-sessions)', values: stages.history },
      { name: 'every line received by the HTTP drain (– if some never came)', values: stages.drain },
    ],
  });
}
