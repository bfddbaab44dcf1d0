import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import { PlatformError, ErrorCodes } from '@platform/types';
import { withTransaction, type Queryable } from './tx.ts';

export interface DrainRecord {
  id: string;
  appId: string;
  /** The URL as given, credentials included (decrypted). */
  url: string;
  /** `d.<uuid>`. */
  token: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Heroku's limit: 5 drains per app. */
export const MAX_DRAINS_PER_APP = 5;

/**
 * Log drains. URLs are stored sealed (they may carry credentials); callers validate them first
 * (`parseDrainUrl` in @platform/log-hub).
 *
 *   const drain = await store.drains.add(app.id, 'syslog+tls://logs.example.com:6514');
 *   drain.token; // 'd.0b9c…'
 */
export function createDrains(pool: pg.Pool, cipher: Cipher) {
  const toDrain = (r: Record<string, unknown>): DrainRecord => ({
    id: r.id as string,
    appId: r.app_id as string,
    url: cipher.open(r.url_enc as Buffer).toString('utf8'),
    token: r.token as string,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  });
  const listWith = async (db: Queryable, appId: string) =>
    (await db.query('SELECT * FROM log_drains WHERE app_id = $1 ORDER BY created_at, id', [appId])).rows.map(toDrain);

  return {
    list: (appId: string): Promise<DrainRecord[]> => listWith(pool, appId),

    /** Every drain of every app (start-up). */
    async all(): Promise<DrainRecord[]> {
      const r = await pool.query('SELECT * FROM log_drains ORDER BY created_at, id');
      return r.rows.map(toDrain);
    },

    /** Adds a drain; PLT_INVALID_PARAMS for a duplicate URL or past the per-app limit. */
    async add(appId: string, url: string): Promise<DrainRecord> {
      return withTransaction(pool, async (client) => {
        // Serializes adds per app, so the duplicate and limit checks hold under concurrency.
        await client.query('SELECT id FROM apps WHERE id = $1 FOR UPDATE', [appId]);
        const existing = await listWith(client, appId);
        if (existing.some((d) => d.url === url)) {
          throw new PlatformError(ErrorCodes.invalidParams, 'This drain URL has already been added to the app.', { details: { field: 'url' } });
        }
        if (existing.length >= MAX_DRAINS_PER_APP) {
          throw new PlatformError(
            ErrorCodes.invalidParams,
            `An app can have at most ${MAX_DRAINS_PER_APP} log drains. Remove one with drains:remove first.`,
            { details: { field: 'url' } },
          );
        }
        const r = await client.query(
          'INSERT INTO log_drains (id, app_id, token, url_enc) VALUES ($1, $2, $3, $4) RETURNING *',
          [randomUUID(), appId, `d.${randomUUID()}`, cipher.seal(Buffer.from(url, 'utf8'))],
        );
        return toDrain(r.rows[0]);
      });
    },

    /** Finds a drain by id, token or URL; null when absent. */
    async find(appId: string, idTokenOrUrl: string): Promise<DrainRecord | null> {
      const drains = await listWith(pool, appId);
      return drains.find((d) => d.id === idTokenOrUrl || d.token === idTokenOrUrl || d.url === idTokenOrUrl) ?? null;
    },

    /** Removes a drain by id, token or URL; returns it, or null when absent. */
    async remove(appId: string, idTokenOrUrl: string): Promise<DrainRecord | null> {
      const drain = await this.find(appId, idTokenOrUrl);
      if (!drain) return null;
      await pool.query('DELETE FROM log_drains WHERE id = $1', [drain.id]);
      return drain;
    },
  };
}

export type Drains = ReturnType<typeof createDrains>;
