import type pg from 'pg';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { CollaboratorRecord, Permission } from './records.ts';
import { isUniqueViolation } from './tx.ts';

function toCollaborator(r: Record<string, unknown>): CollaboratorRecord {
  return {
    appId: r.app_id as string,
    userId: r.user_id as string,
    email: r.email as string,
    permissions: r.permissions as Permission[],
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

const COLUMNS = 'c.app_id, c.user_id, u.email, c.permissions, c.created_at, c.updated_at';

/** Who besides the owner may act on an app, and with which permissions (migration 005). */
export function createCollaborators(pool: pg.Pool) {
  return {
    /** The app's collaborators by e-mail. */
    async list(appId: string): Promise<CollaboratorRecord[]> {
      const r = await pool.query(`SELECT ${COLUMNS} FROM collaborators c JOIN users u ON u.id = c.user_id WHERE c.app_id = $1 ORDER BY u.email`, [appId]);
      return r.rows.map(toCollaborator);
    },

    /** The user's permissions on the app, or null when the user is not a collaborator. */
    async permissionsOf(appId: string, userId: string): Promise<Permission[] | null> {
      const r = await pool.query('SELECT permissions FROM collaborators WHERE app_id = $1 AND user_id = $2', [appId, userId]);
      return r.rows[0] ? (r.rows[0].permissions as Permission[]) : null;
    },

    /** Ids of the apps the user collaborates on. */
    async appIdsOf(userId: string): Promise<string[]> {
      const r = await pool.query('SELECT app_id FROM collaborators WHERE user_id = $1', [userId]);
      return r.rows.map((row) => row.app_id as string);
    },

    /**
     * Adds a collaborator.
     *
     * @throws PLT_COLLABORATOR_EXISTS when the user already is one (nothing changes).
     */
    async add(appId: string, userId: string, permissions: readonly Permission[]): Promise<CollaboratorRecord> {
      try {
        await pool.query('INSERT INTO collaborators (app_id, user_id, permissions) VALUES ($1, $2, $3)', [appId, userId, permissions]);
      } catch (err) {
        if (isUniqueViolation(err)) throw new PlatformError(ErrorCodes.collaboratorExists, 'That user is already a collaborator on this app.');
        throw err;
      }
      return (await this.find(appId, userId))!;
    },

    async find(appId: string, userId: string): Promise<CollaboratorRecord | null> {
      const r = await pool.query(`SELECT ${COLUMNS} FROM collaborators c JOIN users u ON u.id = c.user_id WHERE c.app_id = $1 AND c.user_id = $2`, [appId, userId]);
      return r.rows[0] ? toCollaborator(r.rows[0]) : null;
    },

    /** Replaces a collaborator's permissions; null when the user is not one. */
    async update(appId: string, userId: string, permissions: readonly Permission[]): Promise<CollaboratorRecord | null> {
      const r = await pool.query('UPDATE collaborators SET permissions = $3, updated_at = now() WHERE app_id = $1 AND user_id = $2', [appId, userId, permissions]);
      return r.rowCount ? this.find(appId, userId) : null;
    },

    /** Removes a collaborator; returns it as it was, or null. */
    async remove(appId: string, userId: string): Promise<CollaboratorRecord | null> {
      const found = await this.find(appId, userId);
      if (!found) return null;
      await pool.query('DELETE FROM collaborators WHERE app_id = $1 AND user_id = $2', [appId, userId]);
      return found;
    },
  };
}

export type Collaborators = ReturnType<typeof createCollaborators>;
