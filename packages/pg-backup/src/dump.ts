import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, PlatformError, type ErrorCode } from '@platform/types';
import type { PgTools } from './tools.ts';

/** Where a database is, parsed from its URL; the password goes to the child's environment only. */
interface Target {
  host: string;
  port: string;
  user: string;
  password: string;
  database: string;
}

function parseTarget(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PlatformError(ErrorCodes.invalidParams, 'Not a PostgreSQL URL.');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new PlatformError(ErrorCodes.invalidParams, 'Not a PostgreSQL URL.');
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(u.username);
  // Names the URL gives reach pg_dump's argv: allow-listed, and never something it could take for an option.
  for (const name of [database, user]) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/.test(name)) throw new PlatformError(ErrorCodes.invalidParams, 'The database URL names an unexpected database or user.');
  }
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port || '5432', user, password: decodeURIComponent(u.password), database };
}

/** libpq's connection options as argv (no password) and the child's whole environment (nothing of platformd's). */
function connection(target: Target): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: ['--no-password', '--host', target.host, '--port', target.port, '--username', target.user, '--dbname', target.database],
    env: { PGPASSWORD: target.password, PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'platform-pg-backups', LC_ALL: 'C' },
  };
}

/** Keeps the last `max` characters a child wrote to stderr, for the error. */
function stderrTail(child: ChildProcess, max = 2000): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    tail = (tail + s).slice(-max);
  });
  return () => tail.trim();
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

function failure(code: ErrorCode, what: string, argv: string[], exit: { code: number | null; signal: NodeJS.Signals | null }, stderr: string, password: string, tools: PgTools): PlatformError {
  // The password is never in argv or stderr by design; scrub it anyway, in case a server echoes a URL.
  const said = password ? stderr.split(password).join('***') : stderr;
  const hint = /server version mismatch/.test(said)
    ? ` (the database server is newer than ${tools.pgDump}: install the PostgreSQL client programs of its major version or newer, or point PLATFORM_PG_BIN_DIR at them)`
    : '';
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
  return new PlatformError(code, `${what} ${how}${said ? `: ${said.split('\n').slice(-5).join(' ')}` : ''}${hint}`, {
    details: { argv, exitCode: exit.code, stderr: said },
  });
}

/** Counts the bytes that pass. */
function counter(): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _e, done: TransformCallback) {
      t.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

/**
 * Dumps the database at `url` with `pg_dump --format=custom` (waiting at most 5 minutes for a table lock) and the URL's own credentials (the password in the
 * child's PGPASSWORD, never argv), through `seal()` (a streaming cipher) into `file`: written as `<file>.partial`
 * (0600) and renamed once pg_dump exited 0, so `file` exists only complete. Streams: memory stays flat whatever
 * the database's size. Resolves with the dump's size in bytes, before sealing.
 *
 * @throws PlatformError PLT_BACKUP_FAILED (pg_dump failed: its exit and last stderr lines; details.argv) — the
 *   partial file is removed; PLT_INVALID_PARAMS for a URL that is not a PostgreSQL one.
 */
export async function captureDump(options: { url: string; file: string; tools: PgTools; seal: () => Transform }): Promise<{ bytes: number }> {
  const target = parseTarget(options.url);
  const { args: conn, env } = connection(target);
  // A table locked exclusively for long (a migration gone astray) fails the backup instead of holding it forever.
  const args = ['--format=custom', '--no-owner', '--no-acl', '--lock-wait-timeout=5min', ...conn];
  const partial = `${options.file}.partial`;
  const child = spawn(options.tools.pgDump, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = stderrTail(child);
  const exited = exitOf(child);
  const bytes = counter();
  try {
    const written = pipeline(child.stdout!, bytes, options.seal(), createWriteStream(partial, { mode: 0o600 }));
    const [exit] = await Promise.all([exited, written.catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    })]);
    if (exit.code !== 0) throw failure(ErrorCodes.backupFailed, 'pg_dump', [options.tools.pgDump, ...args], exit, stderr(), target.password, options.tools);
    await rename(partial, options.file);
    return { bytes: bytes.bytes };
  } catch (err) {
    await rm(partial, { force: true });
    if ((err as { code?: string }).code?.startsWith('PLT_')) throw err;
    throw new PlatformError(ErrorCodes.backupFailed, `Writing the backup failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Restores a dump `captureDump` wrote into the database at `url`, with its credentials: `file` through `open()`
 * (the streaming cipher) into `pg_restore --clean --if-exists --no-owner --no-acl --single-transaction
 * --exit-on-error`, so the database's objects are replaced by the dump's in one transaction: a failure (or a file
 * that does not decrypt) leaves the database as it was.
 *
 * @throws PlatformError PLT_RESTORE_FAILED (pg_restore failed, or the file did not decrypt: its exit and last
 *   stderr lines; details.argv)
 */
export async function restoreDump(options: { url: string; file: string; tools: PgTools; open: () => Transform }): Promise<void> {
  const target = parseTarget(options.url);
  const { args: conn, env } = connection(target);
  const args = ['--clean', '--if-exists', '--no-owner', '--no-acl', '--single-transaction', '--exit-on-error', ...conn];
  const child = spawn(options.tools.pgRestore, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr = stderrTail(child);
  const exited = exitOf(child);
  let readError: unknown = null;
  // A file that fails to decrypt ends pg_restore's input early: it fails, and its transaction is rolled back.
  const fed = pipeline(createReadStream(options.file), options.open(), child.stdin!).catch((err: unknown) => {
    readError = err;
    child.kill('SIGTERM');
  });
  const [exit] = await Promise.all([exited, fed]);
  const reading = () =>
    new PlatformError(ErrorCodes.restoreFailed, `Reading the backup failed: ${(readError as Error).message}`, { cause: readError });
  // pg_restore stopping early breaks the pipe: then its own words say why, unless the file itself was bad.
  if (readError && (readError as { code?: string }).code === ErrorCodes.decryptFailed) throw reading();
  if (exit.code !== 0) throw failure(ErrorCodes.restoreFailed, 'pg_restore', [options.tools.pgRestore, ...args], exit, stderr(), target.password, options.tools);
  if (readError) throw reading();
}

/**
 * The plaintext of a dump `captureDump` wrote, as a stream (for a download): `file` through `open()`. A file that
 * does not decrypt errors the stream (PLT_DECRYPT_FAILED) before any byte of the failing segment is passed on.
 */
export function readDump(options: { file: string; open: () => Transform }): Transform {
  const out = options.open();
  // pipeline destroys `out` with the error of either side; the caller sees it on `out`.
  pipeline(createReadStream(options.file), out).catch(() => undefined);
  return out;
}
