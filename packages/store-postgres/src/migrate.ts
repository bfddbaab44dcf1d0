import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import type { StoreLogger } from './logger.ts';

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Applies pending schema migrations (node-pg-migrate, SQL files in ../migrations), under its advisory lock. */
export async function migrate(pool: pg.Pool, logger?: StoreLogger): Promise<string[]> {
  const client = await pool.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: migrationsDir,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      log: (msg: string) => logger?.debug({ msg }, 'migration'),
    });
    if (applied.length > 0) logger?.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
    return applied.map((m) => m.name);
  } finally {
    client.release();
  }
}
