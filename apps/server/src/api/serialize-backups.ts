import { backupName, type BackupView } from '../services/addon-backups.ts';
import type { ScheduleView } from '../services/addon-backup-schedules.ts';

/**
 * One backup (`/apps/{app}/pg-backups`). Heroku's Platform API has no backups (its Data API does): the shape keeps
 * its names where they exist (`num`, `succeeded`, `created_at`, `finished_at`) and adds Heroku CLI's display name
 * (`b001`), the database's attachment name, and the error of a failed one.
 */
export function backupJson(v: BackupView) {
  const b = v.backup;
  return {
    id: b.id,
    name: backupName(b),
    num: b.num,
    kind: b.kind,
    status: b.status,
    succeeded: b.status === 'succeeded',
    error: b.error,
    size_bytes: b.sizeBytes,
    database: b.database,
    addon: { id: v.addon.id, name: v.addon.name },
    app: { id: v.app.id, name: v.app.name },
    created_at: b.createdAt.toISOString(),
    finished_at: b.finishedAt?.toISOString() ?? null,
  };
}

/** One daily backup schedule (`/apps/{app}/pg-backup-schedules`): its hour in UTC, as Heroku shows it. */
export function scheduleJson(v: ScheduleView) {
  const s = v.schedule;
  return {
    database: s.database,
    hour: s.hour,
    timezone: 'UTC',
    at: `${String(s.hour).padStart(2, '0')}:00 UTC`,
    addon: { id: v.addon.id, name: v.addon.name },
    app: { id: v.app.id, name: v.app.name },
    created_at: s.createdAt.toISOString(),
    last_run_at: s.lastRunAt?.toISOString() ?? null,
  };
}
