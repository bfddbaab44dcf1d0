import type pg from 'pg';
import type { FormationRecord } from './records.ts';
import { toFormation } from './rows.ts';
import { withTransaction } from './tx.ts';

export function createFormations(pool: pg.Pool) {
  return {
    async list(appId: string): Promise<FormationRecord[]> {
      const r = await pool.query('SELECT * FROM formations WHERE app_id = $1 ORDER BY type', [appId]);
      return r.rows.map(toFormation);
    },

    /**
     * Makes sure every process type of a release has a formation row: `web` starts at 1, others at 0
     * (Heroku's first-deploy rule). Existing quantities are kept.
     */
    async ensureTypes(appId: string, types: string[]): Promise<FormationRecord[]> {
      for (const type of types) {
        await pool.query(
          `INSERT INTO formations (app_id, type, quantity) VALUES ($1, $2, $3) ON CONFLICT (app_id, type) DO NOTHING`,
          [appId, type, type === 'web' ? 1 : 0],
        );
      }
      return this.list(appId);
    },

    /** Sets quantities (and sizes, where given) atomically (all or nothing). Callers validate types, bounds and sizes first. */
    async setQuantities(appId: string, updates: Array<{ type: string; quantity: number; size?: string | undefined }>): Promise<FormationRecord[]> {
      return withTransaction(pool, async (client) => {
        for (const u of updates) {
          await client.query(
            `INSERT INTO formations (app_id, type, quantity, size) VALUES ($1, $2, $3, coalesce($4, 'standard'))
             ON CONFLICT (app_id, type) DO UPDATE SET quantity = EXCLUDED.quantity, size = coalesce($4, formations.size), updated_at = now()`,
            [appId, u.type, u.quantity, u.size ?? null],
          );
        }
        const r = await client.query('SELECT * FROM formations WHERE app_id = $1 ORDER BY type', [appId]);
        return r.rows.map(toFormation);
      });
    },
  };
}
