import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/platform.ts';
import { stopRouterDir } from '@platform/router-haproxy';

// The compiled server as users run it, started directly so that stdout (JSON log) and stderr stay apart.
const SERVER_BIN = path.join(REPO_ROOT, 'apps', 'server', 'bin', 'platformd.js');
const isRoot = process.getuid?.() === 0;

interface Run {
  child: ChildProcess;
  dataDir: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves on the 'platformd ready' log line; rejects if the server exits first. */
  ready: Promise<void>;
}

const runs: Run[] = [];
const tempDirs: string[] = [];

function startPlatformd(dataDir: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [SERVER_BIN], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_PORT: '0',
      PLATFORM_ROUTER_PORT: '0',
      PLATFORM_HOST: '127.0.0.1',
      PLATFORM_ROUTER_HOST: '127.0.0.1',
      PLATFORM_RUNTIME: 'process',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      // A death by signal says which in the output a failed assertion prints.
      if (signal) stderr.push(`[test] platformd was killed by ${signal}`);
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      if (line.includes('"msg":"platformd ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`platformd exited (${code}) before it was ready:\n${[...stdout, ...stderr].slice(-20).join('\n')}`)));
  });
  ready.catch(() => undefined); // a test that expects the exit does not wait for this
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const run = { child, dataDir, stdout, stderr, exited, ready };
  runs.push(run);
  return run;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM (graceful: the server stops its Postgres) and wait; SIGKILL after 60 s, then stop a Postgres left behind. */
async function stop(run: Run): Promise<number | null> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return run.exited;
  run.child.kill('SIGTERM');
  try {
    return await withTimeout(run.exited, 60_000, 'platformd to stop');
  } catch {
    run.child.kill('SIGKILL');
    await run.exited;
    const pid = Number((await readFile(path.join(run.dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    const cmdline = pid > 1 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
    if (cmdline.includes(run.dataDir)) process.kill(pid, 'SIGINT');
    return null;
  }
}

function jsonLines(lines: string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function tempDir(mode: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-startup-'));
  tempDirs.push(dir);
  await chmod(dir, mode);
  return dir;
}

afterEach(async () => {
  for (const run of runs.splice(0)) await stop(run);
  for (const dir of tempDirs.splice(0)) {
    // A platformd that failed after starting its HAProxy leaves the proxy serving (the data plane outlives the
    // control plane by design): the test stops it.
    await stopRouterDir(path.join(dir, 'data', 'router'));
    await rm(dir, { recursive: true, force: true });
  }
});

describe('start-up failures say why', () => {
  it.skipIf(!isRoot)('as root, refuses a data dir the postgres user cannot traverse, before initdb, and says so', async () => {
    const locked = await tempDir(0o700); // what `mktemp -d` makes: root's, 0700
    const dataDir = path.join(locked, 'data');
    const run = startPlatformd(dataDir);
    const code = await withTimeout(run.exited, 120_000, 'platformd to exit');

    expect(code).toBe(1);
    const lines = run.stderr.filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^platformd: could not start: Could not start the embedded PostgreSQL in /);
    expect(lines[0]).toContain(`the postgres user (uid `);
    expect(lines[0]).toContain(`cannot enter ${locked} (mode 0700, owner root)`);
    expect(lines[0]).toContain('PLATFORM_DATA_DIR');
    expect(lines[0]).toContain(`chmod o+x ${locked}`);

    const fatal = jsonLines(run.stdout).find((e) => e.level === 60) as { err?: { code?: string; cause?: Record<string, unknown> } } | undefined;
    expect(fatal?.err?.code).toBe('PLT_DATABASE_UNAVAILABLE');
    expect(fatal?.err?.cause).toMatchObject({
      code: 'PLT_POSTGRES_DIR_NOT_TRAVERSABLE',
      message: expect.stringContaining(`cannot enter ${locked}`),
      details: { path: locked, purpose: 'data', mode: '0700', owner: 'root' },
    });
    // Failed fast: initdb never ran.
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(false);
  });

  it('when embedded PostgreSQL fails to start, exits 1 with what it printed last', async () => {
    const base = await tempDir(0o711);
    const dataDir = path.join(base, 'data');
    const cluster = path.join(dataDir, 'postgres');
    // A cluster directory that claims to exist but holds no configuration: postgres exits at once.
    await mkdir(cluster, { recursive: true, mode: 0o700 });
    await writeFile(path.join(cluster, 'PG_VERSION'), '17\n');
    if (isRoot) {
      const passwd = await readFile('/etc/passwd', 'utf8');
      const entry = passwd.split('\n').find((l) => l.startsWith('postgres:'))?.split(':');
      if (entry) await chown(cluster, Number(entry[2]), Number(entry[3]));
    }
    const run = startPlatformd(dataDir);
    const code = await withTimeout(run.exited, 120_000, 'platformd to exit');

    expect(code).toBe(1);
    const lines = run.stderr.filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^platformd: could not start: Could not start the embedded PostgreSQL in .*: .*(postgresql\.conf|postgres user)/);
    const fatal = jsonLines(run.stdout).find((e) => e.level === 60) as { err?: { cause?: { message?: string } } } | undefined;
    expect(fatal?.err?.cause?.message).toMatch(/postgresql\.conf|postgres user/);
  });

  it('refuses a cluster directory that holds files but no cluster, before initdb, and says what to do', async () => {
    const base = await tempDir(0o711);
    const dataDir = path.join(base, 'data');
    await mkdir(path.join(dataDir, 'postgres'), { recursive: true });
    await writeFile(path.join(dataDir, 'postgres', 'stray'), 'x');
    const run = startPlatformd(dataDir);
    const code = await withTimeout(run.exited, 120_000, 'platformd to exit');

    expect(code).toBe(1);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toContain(`${path.join(dataDir, 'postgres')} holds files but no PostgreSQL cluster (no PG_VERSION)`);
    expect(run.stderr[0]).toContain('choose another PLATFORM_DATA_DIR');
    const fatal = jsonLines(run.stdout).find((e) => e.level === 60) as { err?: { cause?: Record<string, unknown> } } | undefined;
    expect(fatal?.err?.cause).toMatchObject({ code: 'PLT_POSTGRES_DIR_NOT_EMPTY', details: { entries: ['stray'] } });
  });

  it('a normal start prints no warnings; a non-loopback API listener warns once about plain HTTP', async () => {
    const base = await tempDir(0o711);
    const dataDir = path.join(base, 'data');

    // First start: the only stderr output is the admin-token notice, never a deprecation or other warning.
    const first = startPlatformd(dataDir);
    await withTimeout(first.ready, 180_000, 'platformd ready');
    expect(await stop(first)).toBe(0);
    expect(first.stderr.join('\n')).not.toMatch(/deprecat|warning|\(node\)/i);

    // A restart on loopback prints nothing at all on stderr.
    const second = startPlatformd(dataDir);
    await withTimeout(second.ready, 180_000, 'platformd ready');
    expect(await stop(second)).toBe(0);
    expect(second.stderr).toEqual([]);
    // Each warning whole (its message and fields), so a failure says which one it was.
    expect(jsonLines(second.stdout).filter((e) => e.level === 40).map((e) => JSON.stringify(e))).toEqual([]);

    // Bound to every interface: one plain line on stderr, and one warn log entry.
    const third = startPlatformd(dataDir, { PLATFORM_HOST: '0.0.0.0' });
    await withTimeout(third.ready, 180_000, 'platformd ready');
    expect(await stop(third)).toBe(0);
    expect(third.stderr).toHaveLength(1);
    expect(third.stderr[0]).toMatch(/^platformd: warning: the API and git listen on 0\.0\.0\.0:\d+ over plain HTTP: .*clear text.*TLS/);
    const warnings = jsonLines(third.stdout).filter((e) => e.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ addresses: ['0.0.0.0'], msg: expect.stringContaining('clear text') });
  });
});
