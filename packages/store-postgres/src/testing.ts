import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createCipher, type Cipher } from '@platform/secrets';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import { createStore, type Store } from './index.ts';

/** A real, migrated PostgreSQL for one test file, and a store on it. */
export interface TestDatabase {
  pool: pg.Pool;
  /** The store on `pool`, sealing with `cipher`. */
  store: Store;
  /** The cipher of `store`; wrap it and call `createStore({ pool, cipher })` for a second view (counting decryptions, say). */
  cipher: Cipher;
  /** Ends the pool, stops PostgreSQL, removes its directory. */
  stop(): Promise<void>;
}

/**
 * For tests only (`@platform/store-postgres/testing`): starts an embedded PostgreSQL in a temp dir, migrates it and
 * opens a store with a random key. One per test file (`beforeAll`), stopped in `afterAll`; a start takes ~1 s.
 *
 *   let db: TestDatabase;
 *   beforeAll(async () => (db = await startTestDatabase()));
 *   afterAll(() => db.stop());
 */
export async function startTestDatabase(options: { maxConnections?: number } = {}): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-store-'));
  try {
    const embedded = await startEmbeddedPostgres({ dataDir: dir });
    const pool = new pg.Pool({ connectionString: embedded.url, max: options.maxConnections ?? 12 });
    pool.on('error', () => undefined); // idle clients see the server stop at teardown
    await migrate(pool);
    const cipher = createCipher(randomBytes(32));
    const store = createStore({ pool, cipher });
    await store.verifyKey();
    return {
      pool,
      store,
      cipher,
      async stop() {
        await pool.end();
        await embedded.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
