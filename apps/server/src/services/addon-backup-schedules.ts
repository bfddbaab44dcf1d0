import { ErrorCodes, PlatformError } from '@platform/types';
import type { AddonBackupScheduleRecord, AddonRecord, AppRecord, User } from '@platform/store-postgres';
import { findApp } from './apps.ts';
import { resolveDatabase, startCapture, type BackupDeps } from './addon-backups.ts';

/** A schedule with its add-on, for the API. */
export interface ScheduleView {
  schedule: AddonBackupScheduleRecord;
  addon: AddonRecord;
  app: AppRecord;
}

/**
 * Parses `--at` as Heroku writes it, `'02:00 UTC'`: an hour (Heroku schedules by the hour), `:00` optional, and a
 * time zone that must be UTC (`UTC`, `Etc/UTC`, `Z`, or none); other zones are refused rather than guessed.
 *
 * @throws PLT_INVALID_PARAMS with the accepted form
 */
export function parseScheduleAt(at: unknown): number {
  const m = typeof at === 'string' ? /^\s*(\d{1,2})(?::(\d{2}))?\s*(\S+)?\s*$/.exec(at) : null;
  const hour = m ? Number(m[1]) : NaN;
  const zone = m?.[3];
  if (!m || hour > 23 || (m[2] !== undefined && m[2] !== '00')) {
    throw new PlatformError(ErrorCodes.invalidParams, `--at must be an hour such as '02:00 UTC' (backups are scheduled by the hour), not ${JSON.stringify(at)}.`);
  }
  if (zone !== undefined && !['UTC', 'ETC/UTC', 'Z', 'GMT'].includes(zone.toUpperCase())) {
    throw new PlatformError(ErrorCodes.invalidParams, `Only UTC schedules are supported: give the hour in UTC, e.g. '${String(hour).padStart(2, '0')}:00 UTC'.`);
  }
  return hour;
}

/**
 * The time a schedule last fell due at or before `now`: today's `hour`:00 UTC, or yesterday's if that is still to
 * come. A schedule is due when it has not run since then (and was created before it): a platformd that was down
 * over several due times runs the backup once when it is back, not once per missed day.
 */
export function lastDueAt(hour: number, now: Date): Date {
  const due = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour));
  if (due.getTime() > now.getTime()) due.setUTCDate(due.getUTCDate() - 1);
  return due;
}

/** The schedules due at `now` (pure). */
export function dueSchedules<T extends Pick<AddonBackupScheduleRecord, 'hour' | 'createdAt' | 'lastRunAt'>>(schedules: readonly T[], now: Date): T[] {
  return schedules.filter((s) => (s.lastRunAt ?? s.createdAt).getTime() < lastDueAt(s.hour, now).getTime());
}

/**
 * `pg:backups:schedule [DATABASE] --at '02:00 UTC'` (PUT /apps/{app}/pg-backup-schedules/{database}): a daily
 * backup of the database at that hour (replacing its schedule if it had one).
 *
 * @throws PLT_INVALID_PARAMS (bad --at); PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND; PLT_FORBIDDEN
 */
export async function scheduleBackups(deps: BackupDeps, user: User, appName: string, database: string | undefined, at: unknown): Promise<ScheduleView> {
  const hour = parseScheduleAt(at);
  const app = await findApp(deps.store, user, appName, 'manage');
  const target = await resolveDatabase(deps, app, database);
  const schedule = await deps.store.addonBackups.setSchedule({ addonId: target.addon.id, appId: app.id, database: target.database, hour });
  deps.logger.info({ app: app.name, addon: target.addon.name, hour, user: user.email }, 'backups scheduled');
  return { schedule, addon: target.addon, app };
}

/** `pg:backups:schedules`. @throws PLT_APP_NOT_FOUND */
export async function listSchedules(deps: BackupDeps, user: User, appName: string): Promise<ScheduleView[]> {
  const app = await findApp(deps.store, user, appName);
  const views: ScheduleView[] = [];
  for (const schedule of await deps.store.addonBackups.schedules(app.id)) {
    const addon = await deps.store.addons.find(schedule.addonId);
    if (addon) views.push({ schedule, addon, app });
  }
  return views;
}

/** `pg:backups:unschedule [DATABASE]`. @throws PLT_NOT_FOUND (no schedule); PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND */
export async function unscheduleBackups(deps: BackupDeps, user: User, appName: string, database?: string): Promise<ScheduleView> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const target = await resolveDatabase(deps, app, database);
  const schedule = (await deps.store.addonBackups.schedules(app.id)).find((s) => s.addonId === target.addon.id);
  if (!schedule || !(await deps.store.addonBackups.removeSchedule(target.addon.id))) {
    throw new PlatformError(ErrorCodes.notFound, `${target.database} has no backup schedule.`);
  }
  return { schedule, addon: target.addon, app };
}

/**
 * One pass of the scheduler (platformd runs it every minute and once at start): each due schedule is marked as
 * run first (so a crash mid-backup does not repeat it), then its backup starts. Resolves once the backups it
 * started have ended.
 */
export async function runDueSchedules(deps: BackupDeps, now: Date = new Date()): Promise<number> {
  const due = dueSchedules(await deps.store.addonBackups.allSchedules(), now);
  const runs: Promise<unknown>[] = [];
  for (const schedule of due) {
    await deps.store.addonBackups.markScheduleRun(schedule.addonId, now);
    const addon = await deps.store.addons.find(schedule.addonId);
    if (!addon || addon.state !== 'provisioned') continue;
    try {
      runs.push((await startCapture(deps, addon, schedule.database, 'scheduled')).done);
    } catch (err) {
      deps.logger.warn({ err, addon: addon.name }, 'a scheduled backup did not start');
    }
  }
  await Promise.all(runs);
  return due.length;
}
