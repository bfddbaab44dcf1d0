import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PlatformError, ErrorCodes } from '@platform/types';
import type { AppRecord } from './records.ts';
import { toApp } from './rows.ts';
import { isUniqueViolation, withTransaction } from './tx.ts';

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

    /**
     * Sets an app's maintenance flag (the edge answers 503 H80 while it is on); the record after the change. Like every
     * switch below, `updated_at` moves only when the value does: setting what is already set changes nothing.
     */
    async setMaintenance(id: string, maintenance: boolean): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET maintenance = $2, updated_at = CASE WHEN maintenance IS DISTINCT FROM $2 THEN now() ELSE updated_at END WHERE id = $1 RETURNING *', [id, maintenance]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);
    },

    /** Sets an app's HTTP → HTTPS redirect switch (the edge redirects while it is on); the record after the change. */
    async setRedirectHttps(id: string, on: boolean): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET redirect_https = $2, updated_at = CASE WHEN redirect_https IS DISTINCT FROM $2 THEN now() ELSE updated_at END WHERE id = $1 RETURNING *', [id, on]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);
    },

    /** Sets an app's ACM flag (automatic certificates for its custom domains); the record after the change. */
    async setAcm(id: string, acm: boolean): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET acm = $2, updated_at = CASE WHEN acm IS DISTINCT FROM $2 THEN now() ELSE updated_at END WHERE id = $1 RETURNING *', [id, acm]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);
    },

    /** Replaces the app's chosen buildpacks (validated by the caller); returns the updated app. */
    async setBuildpacks(id: string, buildpacks: readonly string[]): Promise<AppRecord> {
      const r = await pool.query('UPDATE apps SET buildpacks = $2, updated_at = CASE WHEN buildpacks IS DISTINCT FROM $2 THEN now() ELSE updated_at END WHERE id = $1 RETURNING *', [id, [...buildpacks]]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.", { details: { app: id } });
      return toApp(r.rows[0]);

    },

    /**
     * Renames an app.
     *
     * @throws PLT_APP_EXISTS when the name is taken.
     */
    async rename(id: string, name: string): Promise<AppRecord> {
      try {
        const r = await pool.query('UPDATE apps SET name = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, name]);
        return toApp(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) throw new PlatformError(ErrorCodes.appExists, 'Name is already taken.', { details: { name } });
        throw err;
      }
    },

    /**
     * Gives the app to `ownerId`, in one transaction: the new owner stops being a collaborator and the previous
     * owner becomes one with every permission (as on Heroku, where the previous owner stays a collaborator).
     */
    async transfer(id: string, ownerId: string, previousOwnerPermissions: readonly string[]): Promise<AppRecord> {
      return withTransaction(pool, async (client) => {
        const before = await client.query('SELECT owner_id FROM apps WHERE id = $1 FOR UPDATE', [id]);
        const previous = before.rows[0]?.owner_id as string;
        await client.query('DELETE FROM collaborators WHERE app_id = $1 AND user_id = $2', [id, ownerId]);
        const r = await client.query('UPDATE apps SET owner_id = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, ownerId]);
        if (previous && previous !== ownerId) {
          await client.query(
            `INSERT INTO collaborators (app_id, user_id, permissions) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, user_id) DO UPDATE SET permissions = EXCLUDED.permissions, updated_at = now()`,
            [id, previous, previousOwnerPermissions],
          );
        }
        return toApp(r.rows[0]);
      });
    },

    async destroy(id: string): Promise<void> {
      await pool.query('DELETE FROM apps WHERE id = $1', [id]);
    },
  };
}
