import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** One change as the audit trail keeps it. `details` never holds a config value, a password or a token. */
export interface AuditEvent {
  id: string;
  createdAt: Date;
  userId: string | null;
  userEmail: string | null;
  sourceAddress: string | null;
  requestId: string | null;
  /** What was done, e.g. `PATCH /apps/:app/config-vars` or `deploy`. */
  action: string;
  appId: string | null;
  appName: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'createdAt'>;

function toEvent(r: Record<string, unknown>): AuditEvent {
  return {
    id: r.id as string,
    createdAt: r.created_at as Date,
    userId: (r.user_id as string | null) ?? null,
    userEmail: (r.user_email as string | null) ?? null,
    sourceAddress: (r.source_address as string | null) ?? null,
    requestId: (r.request_id as string | null) ?? null,
    action: r.action as string,
    appId: (r.app_id as string | null) ?? null,
    appName: (r.app_name as string | null) ?? null,
    details: (r.details as Record<string, unknown>) ?? {},
  };
}

/** The audit trail (migration 006): append-only. */
export function createAudit(pool: pg.Pool) {
  return {
    async record(e: NewAuditEvent): Promise<void> {
      await pool.query(
        `INSERT INTO audit_events (id, user_id, user_email, source_address, request_id, action, app_id, app_name, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [randomUUID(), e.userId, e.userEmail, e.sourceAddress, e.requestId, e.action, e.appId, e.appName, JSON.stringify(e.details)],
      );
    },

    /** The newest `limit` events (all, or one app's by id), newest first. */
    async list(options: { appId?: string; limit: number }): Promise<AuditEvent[]> {
      const r = options.appId
        ? await pool.query('SELECT * FROM audit_events WHERE app_id = $1 ORDER BY created_at DESC, id LIMIT $2', [options.appId, options.limit])
        : await pool.query('SELECT * FROM audit_events ORDER BY created_at DESC, id LIMIT $1', [options.limit]);
      return r.rows.map(toEvent);
    },
  };
}
