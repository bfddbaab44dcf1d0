import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { run } from '../../test/support/cli.ts';
import { REPO_ROOT } from '../../test/support/platform.ts';
import type { Report } from './report.ts';
import { ms, summarize, table } from './stats.ts';

const TARBALL = path.join(REPO_ROOT, 'apps', 'cli', 'dist', 'platform-cli.tgz');
/** Where the heroku CLI is installed once and reused by later runs (git-ignored, like every node_modules). */
const HEROKU_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'platform-bench', 'heroku');
const HEROKU_BIN = path.join(HEROKU_DIR, 'node_modules', '.bin', 'heroku');

export interface CliBenchOptions {
  /** Timed runs of each command (after two warm-up runs each). */
  reps: number;
  /** Timed runs of each heroku command (about a second each). */
  herokuReps: number;
  /** Install the heroku CLI from the npm registry when it is not installed yet (about 40 s, once). */
  installHeroku: boolean;
  log: (line: string) => void;
}

interface Timed {
  label: string;
  command: string;
  args: string[];
  reps: number;
  values: number[];
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** npm, hermetic: its own cache and user config under `dir`, never the user's; offline but for a file or URL given. */
function npmHermetic(args: string[], dir: string) {
  const config = ['--cache', path.join(dir, 'npm-cache'), '--userconfig', path.join(dir, 'npmrc')];
  return run('npm', [...args, ...config, '--offline', '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(dir, 'home') },
    timeoutMs: 120_000,
  });
}

/** The heroku CLI's executable, installed into HEROKU_DIR if asked to; a reason instead when it is not there. */
async function herokuCli(o: CliBenchOptions, scratch: string): Promise<{ bin?: string; why?: string }> {
  if (await exists(HEROKU_BIN)) return { bin: HEROKU_BIN };
  if (!o.installHeroku)
    return { why: 'the heroku CLI is not installed; `npm run bench -- --only=cli` installs it once' };
  o.log('cli: installing the heroku CLI from the npm registry (once; about 40 s)');
  await mkdir(HEROKU_DIR, { recursive: true });
  // The user's own npm set-up (registry, proxy, CA certificates), as for any install from the registry.
  const r = await run(
    'npm',
    ['install', '--prefix', HEROKU_DIR, '--no-save', '--no-audit', '--no-fund', 'heroku'],
    {
      cwd: scratch,
      env: process.env as Record<string, string>,
      timeoutMs: 600_000,
    },
  ).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  if (r.code === 0 && (await exists(HEROKU_BIN))) return { bin: HEROKU_BIN };
  await rm(HEROKU_DIR, { recursive: true, force: true });
  const tail = r.stderr.trim().split('\n').slice(-2).join(' ');
  return { why: `npm install heroku failed (exit ${r.code}): ${tail}` };
}

/**
 * CLI start-up: the packed CLI installed from its tarball into an empty npm prefix (as a teammate installs it),
 * timed for `platform --version` and `platform help`, beside `node -e 0` (Node's own start-up, the floor) and the
 * heroku CLI's `heroku --version` and `heroku help`. Commands run interleaved, so load that comes and goes
 * weighs on all alike. Wall-clock ms from spawn to exit.
 */
export async function benchCli(report: Report, o: CliBenchOptions): Promise<void> {
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], {
    cwd: REPO_ROOT,
  });
  const scratch = await mkdtemp(path.join(tmpdir(), 'platform-bench-cli-'));
  try {
    await mkdir(path.join(scratch, 'home'));
    await writeFile(path.join(scratch, 'npmrc'), '');
    const prefix = path.join(scratch, 'prefix');
    const install = await npmHermetic(['install', '--global', '--prefix', prefix, TARBALL], scratch);
    if (install.code !== 0) throw new Error(`npm install -g ${TARBALL} failed: ${install.stderr.trim()}`);
    const platform = path.join(prefix, 'bin', 'platform');

    const heroku = await herokuCli(o, scratch);
    if (heroku.why) {
      report.note(`CLI start-up: heroku comparison skipped: ${heroku.why}`);
      o.log(`cli: heroku comparison skipped: ${heroku.why}`);
    }
    const cases: Timed[] = [
      {
        label: '`node -e 0` (Node.js alone)',
        command: process.execPath,
        args: ['-e', '0'],
        reps: o.reps,
        values: [],
      },
      { label: '`platform --version`', command: platform, args: ['--version'], reps: o.reps, values: [] },
      { label: '`platform help`', command: platform, args: ['help'], reps: o.reps, values: [] },
      {
        label: '`platform --version` (checkout: apps/cli/bin/platform.js)',
        command: process.execPath,
        args: [path.join(REPO_ROOT, 'apps', 'cli', 'bin', 'platform.js'), '--version'],
        reps: o.reps,
        values: [],
      },
    ];
    if (heroku.bin) {
      cases.push({
        label: '`heroku --version`',
        command: heroku.bin,
        args: ['--version'],
        reps: o.herokuReps,
        values: [],
      });
      cases.push({
        label: '`heroku help`',
        command: heroku.bin,
        args: ['help'],
        reps: o.herokuReps,
        values: [],
      });
    }
    // A user's shell: PATH and a fresh HOME. Not this machine's NODE_EXTRA_CA_CERTS (for its TLS-intercepting proxy):
    // it adds ~40 ms to every Node.js start. heroku's background update check and telemetry off (network).
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.join(scratch, 'home'),
      NO_COLOR: '1',
      HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
      DISABLE_TELEMETRY: 'true',
    };
    const once = async (c: Timed) => {
      const started = performance.now();
      const r = await run(c.command, c.args, { env, timeoutMs: 60_000 });
      const elapsed = performance.now() - started;
      if (r.code !== 0) throw new Error(`${c.label} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
      return elapsed;
    };
    o.log(`cli: timing ${cases.length} commands, ${o.reps} runs each (heroku: ${o.herokuReps})`);
    for (const c of cases) for (let i = 0; i < 2; i++) await once(c); // warm-up: page cache, heroku's own caches
    for (let i = 0; i < Math.max(o.reps, o.herokuReps); i++) {
      for (const c of cases) if (i < c.reps) c.values.push(await once(c));
    }

    const byLabel = (label: string) => cases.find((c) => c.label === label)?.values ?? [];
    const target = { kind: 'max' as const, value: 100 };
    report.add({
      bench: 'CLI start: `platform --version` (installed package)',
      runtime: '–',
      unit: 'ms',
      values: byLabel('`platform --version`'),
      target,
    });
    report.add({
      bench: 'CLI start: `platform help` (installed package)',
      runtime: '–',
      unit: 'ms',
      values: byLabel('`platform help`'),
      target,
    });
    report.add({
      bench: 'CLI start: `node -e 0` (reference: Node.js alone)',
      runtime: '–',
      unit: 'ms',
      values: byLabel('`node -e 0` (Node.js alone)'),
    });
    if (heroku.bin) {
      report.add({
        bench: 'CLI start: `heroku --version` (reference)',
        runtime: '–',
        unit: 'ms',
        values: byLabel('`heroku --version`'),
      });
      report.add({
        bench: 'CLI start: `heroku help` (reference)',
        runtime: '–',
        unit: 'ms',
        values: byLabel('`heroku help`'),
      });
    }
    const floor = summarize(byLabel('`node -e 0` (Node.js alone)'))?.median;
    report.section(
      `CLI start-up, side by side (wall clock, spawn to exit; ${o.reps} interleaved runs each, heroku ${o.herokuReps})`,
      table(
        ['command', 'median', 'min', 'max', 'above `node -e 0`'],
        cases.map((c) => {
          const s = summarize(c.values);
          return [
            c.label,
            ms(s?.median),
            ms(s?.min),
            ms(s?.max),
            s && floor !== undefined ? ms(s.median - floor) : '–',
          ];
        }),
      ),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
