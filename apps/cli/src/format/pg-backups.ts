import { header, styledObject, table } from './style.ts';

/** A backup as `/apps/{app}/pg-backups` answers it. */
export interface PgBackup {
  id: string;
  /** `b001` (captured) or `a001` (scheduled). */
  name: string;
  num: number;
  kind: 'manual' | 'scheduled';
  status: 'running' | 'succeeded' | 'failed';
  succeeded: boolean;
  error: string | null;
  /** The dump's size in bytes (before encryption); null unless it succeeded. */
  size_bytes: number | null;
  /** The attachment name it was taken through, e.g. `DATABASE`. */
  database: string;
  addon: { id: string; name: string };
  app: { id: string; name: string };
  created_at: string;
  finished_at: string | null;
}

/** A daily schedule as `/apps/{app}/pg-backup-schedules` answers it. */
export interface PgBackupSchedule {
  database: string;
  hour: number;
  timezone: string;
  /** e.g. `02:00 UTC` */
  at: string;
  addon: { id: string; name: string };
  created_at: string;
  last_run_at: string | null;
}

/** `2026-11-30 02:00:13 +0000`, as Heroku's backup lists show times. */
function utc(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000` : '';
}

/** Sizes as Heroku prints them: `512B`, `7.21kB`, `1.62MB`, `3.10GB` (powers of 1024). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${n.toFixed(2)}${units[i]}`;
}

function statusOf(b: PgBackup): string {
  if (b.status === 'running') return 'Running';
  return `${b.status === 'succeeded' ? 'Completed' : 'Failed'} ${utc(b.finished_at)}`;
}

/** `platform pg:backups`: Heroku's `=== Backups` table, newest first. */
export function formatBackups(app: string, backups: readonly PgBackup[]): string[] {
  if (backups.length === 0) return ['=== Backups', `No backups. Capture one with: platform pg:backups:capture -a ${app}`];
  return [
    header('Backups'),
    ...table([['ID', 'Created at', 'Status', 'Size', 'Database'], ...backups.map((b) => [b.name, utc(b.created_at), statusOf(b), formatBytes(b.size_bytes), b.database])]),
  ];
}

/** `platform pg:backups:info`: one backup's block. */
export function formatBackupInfo(b: PgBackup): string[] {
  return [
    header(`Backup ${b.name}`),
    ...styledObject([
      ['Database', `${b.database} (${b.addon.name})`],
      ['Started at', utc(b.created_at)],
      ...(b.finished_at ? ([['Finished at', utc(b.finished_at)]] as const) : []),
      ['Status', b.status === 'running' ? 'Running' : b.status === 'succeeded' ? 'Completed' : 'Failed'],
      ['Type', b.kind === 'scheduled' ? 'Scheduled' : 'Manual'],
      ...(b.size_bytes !== null ? ([['Backup Size', formatBytes(b.size_bytes)]] as const) : []),
      ...(b.error ? ([['Error', b.error]] as const) : []),
    ]),
  ];
}

/** `platform pg:backups:schedules`: `DATABASE_URL: daily at 2:00 UTC`. */
export function formatSchedules(app: string, schedules: readonly PgBackupSchedule[]): string[] {
  if (schedules.length === 0) return [`No backup schedules on ${app}. Add one with: platform pg:backups:schedule --at '02:00 UTC' -a ${app}`];
  return [header('Backup Schedules'), ...schedules.map((s) => `${s.database}_URL: daily at ${s.hour}:00 UTC`)];
}
