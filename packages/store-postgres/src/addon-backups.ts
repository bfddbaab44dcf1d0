import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** How a backup came to be: `pg:backups:capture` or the daily schedule (migration 009). */
export type AddonBackupKind = 'manual' | 'scheduled';
/** A backup's state: `running` while pg_dump runs, then `succeeded` or `failed` (with its error). */
export type AddonBackupStatus = 'running' | 'succeeded' | 'failed';

/** One backup of an add-on's database (migration 009); the dump is a sealed file named by `id`. */
export interface AddonBackupRecord {
  id: string;
  addonId: string;
  appId: string;
  /** Counted per app from 1: `b001` (manual) or `a001` (scheduled) is `num` with its kind's letter. */
  num: number;
  kind: AddonBackupKind;
  /** The attachment name it was taken through, e.g. `DATABASE`. */
  database: string;
  status: AddonBackupStatus;
  error: string | null;
  /** Bytes of the dump (pg_dump's custom format, before encryption); null until it succeeded. */
  sizeBytes: number | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** An add-on's daily backup schedule: at `hour`:00 UTC. */
export interface AddonBackupScheduleRecord {
  addonId: string;
  appId: string;
  database: string;
  /** 0–23, UTC. */
  hour: number;
  createdAt: Date;
  /** When the scheduler last started its backup; null: never. */
  lastRunAt: Date | null;
}

const toBackup = (r: Record<string, unknown>): AddonBackupRecord => ({
  id: r.id as string,
  addonId: r.addon_id as string,
  appId: r.app_id as string,
  num: r.num as number,
  kind: r.kind as AddonBackupKind,
  database: r.database as string,
  status: r.status as AddonBackupStatus,
  error: (r.error as string | null) ?? null,
  sizeBytes: r.size_bytes === null || r.size_bytes === undefined ? null : Number(r.size_bytes),
  createdAt: r.created_at as Date,
  finishedAt: (r.finished_at as Date | null) ?? null,
});

const toSchedule = (r: Record<string, unknown>): AddonBackupScheduleRecord => ({
  addonId: r.addon_id as string,
  appId: r.app_id as string,
  database: r.database as string,
  hour: r.hour as number,
  createdAt: r.created_at as Date,
  lastRunAt: (r.last_run_at as Date | null) ?? null,
});

/**
 * Backups of add-ons and their daily schedules. Rows go with their add-on (ON DELETE CASCADE); the files are the
 * server's to remove.
 *
 *   const b = await store.addonBackups.create({ addonId, appId, kind: 'manual', database: 'DATABASE' });
 *   await store.addonBackups.finish(b.id, { status: 'succeeded', sizeBytes: 1234 });
 */
export function createAddonBackups(pool: pg.Pool) {
  return {
    /** A new `running` backup with the app's next number (counted per app, never reused). */
    async create(input: { addonId: string; appId: string; kind: AddonBackupKind; database: string }): Promise<AddonBackupRecord> {
      const r = await pool.query(
        `WITH counter AS (
           INSERT INTO addon_backup_counters (app_id, last_num) VALUES ($3, 1)
           ON CONFLICT (app_id) DO UPDATE SET last_num = addon_backup_counters.last_num + 1
           RETURNING last_num
         )
         INSERT INTO addon_backups (id, addon_id, app_id, num, kind, database, status)
         SELECT $1, $2, $3, last_num, $4, $5, 'running' FROM counter
         RETURNING *`,
        [randomUUID(), input.addonId, input.appId, input.kind, input.database],
      );
      return toBackup(r.rows[0]);
    },

    /** Ends a running backup; false when it is gone (its add-on was destroyed meanwhile). */
    async finish(id: string, result: { status: 'succeeded'; sizeBytes: number } | { status: 'failed'; error: string }): Promise<boolean> {
      const r = await pool.query(
        `UPDATE addon_backups SET status = $2, size_bytes = $3, error = $4, finished_at = now() WHERE id = $1 AND status = 'running'`,
        [id, result.status, result.status === 'succeeded' ? result.sizeBytes : null, result.status === 'failed' ? result.error : null],
      );
      return (r.rowCount ?? 0) > 0;
    },

    /** Backups still `running` (none after a clean stop): what a restarted server marks failed. */
    async failRunning(error: string): Promise<AddonBackupRecord[]> {
      const r = await pool.query(`UPDATE addon_backups SET status = 'failed', error = $1, finished_at = now() WHERE status = 'running' RETURNING *`, [error]);
      return r.rows.map(toBackup);
    },

    async find(id: string): Promise<AddonBackupRecord | null> {
      const r = await pool.query('SELECT * FROM addon_backups WHERE id = $1', [id]);
      return r.rows[0] ? toBackup(r.rows[0]) : null;
    },

    /** The app's backup numbered `num`, or null. */
    async findByNum(appId: string, num: number): Promise<AddonBackupRecord | null> {
      const r = await pool.query('SELECT * FROM addon_backups WHERE app_id = $1 AND num = $2', [appId, num]);
      return r.rows[0] ? toBackup(r.rows[0]) : null;
    },

    /** The app's backups, newest first. */
    async list(appId: string): Promise<AddonBackupRecord[]> {
      const r = await pool.query('SELECT * FROM addon_backups WHERE app_id = $1 ORDER BY num DESC', [appId]);
      return r.rows.map(toBackup);
    },

    /** One add-on's backups, newest first. */
    async listOf(addonId: string): Promise<AddonBackupRecord[]> {
      const r = await pool.query('SELECT * FROM addon_backups WHERE addon_id = $1 ORDER BY num DESC', [addonId]);
      return r.rows.map(toBackup);
    },

    async remove(id: string): Promise<void> {
      await pool.query('DELETE FROM addon_backups WHERE id = $1', [id]);
    },

    /** Creates or replaces the add-on's daily schedule (a new hour keeps when it last ran). */
    async setSchedule(input: { addonId: string; appId: string; database: string; hour: number }): Promise<AddonBackupScheduleRecord> {
      const r = await pool.query(
        `INSERT INTO addon_backup_schedules (addon_id, app_id, database, hour) VALUES ($1, $2, $3, $4)
         ON CONFLICT (addon_id) DO UPDATE SET database = EXCLUDED.database, hour = EXCLUDED.hour
         RETURNING *`,
        [input.addonId, input.appId, input.database, input.hour],
      );
      return toSchedule(r.rows[0]);
    },

    /** Removes the add-on's schedule; false when it had none. */
    async removeSchedule(addonId: string): Promise<boolean> {
      const r = await pool.query('DELETE FROM addon_backup_schedules WHERE addon_id = $1', [addonId]);
      return (r.rowCount ?? 0) > 0;
    },

    /** The schedules of an app's add-ons. */
    async schedules(appId: string): Promise<AddonBackupScheduleRecord[]> {
      const r = await pool.query('SELECT * FROM addon_backup_schedules WHERE app_id = $1 ORDER BY database', [appId]);
      return r.rows.map(toSchedule);
    },

    /** Every schedule (the scheduler's tick). */
    async allSchedules(): Promise<AddonBackupScheduleRecord[]> {
      return (await pool.query('SELECT * FROM addon_backup_schedules ORDER BY created_at')).rows.map(toSchedule);
    },

    /** Records that the schedule's backup was started at `at`. */
    async markScheduleRun(addonId: string, at: Date): Promise<void> {
      await pool.query('UPDATE addon_backup_schedules SET last_run_at = $2 WHERE addon_id = $1', [addonId, at]);
    },
  };
}

export type AddonBackups = ReturnType<typeof createAddonBackups>;
