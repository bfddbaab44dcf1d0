import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PlatformError, ErrorCodes } from '@platform/types';
import type { AppRecord } from './records.ts';
import { toApp } from './rows.ts';
import { isUniqueViolation } from './tx.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createApps(pool: pg.Pool) {
  return {
    async create(input: { name: string; ownerId: string }): Promise<AppRecord> {
      try {
        const r = await pool.query(`INSERT INTO apps (id, name, owner_id) VALUES ($1, $2, $3) RETURNING *`, [
          randomUUID(),
          input.name,
          input.ownerId,
        ]);
        return toApp(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new PlatformError(ErrorCodes.appExists, 'Name is already taken.', { details: { name: input.name } });
        }
        throw err;
      }
    },

    async list(): Promise<AppRecord[]> {
      const r = await pool.query('SELECT * FROM apps ORDER BY name');
      return r.rows.map(toApp);
    },

    /** By name or id; null when absent. */
    async find(nameOrId: string): Promise<AppRecord | null> {
      const r = UUID_RE.test(nameOrId)
        ? await pool.query('SELECT * FROM apps WHERE id = $1', [nameOrId])
        : await pool.query('SELECT * FROM apps WHERE name = $1', [nameOrId]);
      return r.rows[0] ? toApp(r.rows[0]) : null;
    },

    async get(nameOrId: string): Promise<AppRecord> {
      const app = await this.find(nameOrId);
      if (!app) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: nameOrId } });
      return app;
    },

    /** Sets an app's maintenance flag (the edge answers 503 H80 while it is on); the record after the change. */
    async setMaintenance(id: string, maintenance: boolean): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET maintenance = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, maintenance]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);
    },

    /** Sets an app's ACM flag (automatic certificates for its custom domains); the record after the change. */
    async setAcm(id: string, acm: boolean): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET acm = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, acm]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);
    },

    /** Replaces the app's chosen buildpacks (validated by the caller); returns the updated app. */
    async setBuildpacks(id: string, buildpacks: readonly string[]): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET buildpacks = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, [...buildpacks]]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);
    },

    async destroy(id: string): Promise<void> {
      await pool.query('DELETE FROM apps WHERE id = $1', [id]);
    },
  };
}
