import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Transform } from 'node:stream';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { AddonBackupKind, AddonBackupRecord, AddonRecord, AppRecord, User } from '@platform/store-postgres';
import { captureDump, findPgTools, readDump, restoreDump } from '@platform/pg-backup';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';

/**
 * PostgreSQL backups of add-ons (Heroku's `pg:backups`): a dump (`pg_dump -Fc`, the add-on's own credentials)
 * sealed with the platform's key into `<dir>/<add-on id>/<backup id>`, a row per backup. Named as Heroku names
 * them: `b001` for a capture, `a001` for a scheduled one, counted per app.
 *
 * Retention (after each capture that succeeded, per add-on and kind): the newest 7 succeeded scheduled backups
 * and the newest 10 succeeded manual ones are kept (Heroku keeps 7 daily backups on its smaller plans); a failed
 * one is kept while it is among the newest 7 (10) of its kind, so failures stay visible without piling up.
 */
export const RETENTION: Readonly<Record<AddonBackupKind, number>> = { scheduled: 7, manual: 10 };

/** What backups need besides the store: where dumps go, the sealing key's streams, the client programs, the app log. */
export interface PgBackupsDeps {
  /** `<data dir>/backups` (0700): one directory per add-on. */
  dir: string;
  cipher: { sealStream(context?: string): Transform; openStream(context?: string): Transform };
  /** PLATFORM_PG_BIN_DIR, or null: the newest Debian postgresql-client (see @platform/pg-backup findPgTools). */
  pgBinDir: string | null;
  /** A line in the app's log stream, as `app[pg-backups]`. */
  appLog(appId: string, message: string): void;
}

export type BackupDeps = Pick<ServiceDeps, 'store' | 'logger'> & Partial<Pick<ServiceDeps, 'addonProviders'>> & { pgBackups?: PgBackupsDeps | undefined };

/** A backup with its add-on, for the API. */
export interface BackupView {
  backup: AddonBackupRecord;
  addon: AddonRecord;
  app: AppRecord;
}

/** `b001` / `a012`: Heroku's name of a backup. */
export function backupName(b: Pick<AddonBackupRecord, 'kind' | 'num'>): string {
  return `${b.kind === 'scheduled' ? 'a' : 'b'}${String(b.num).padStart(3, '0')}`;
}

function backupsOf(deps: BackupDeps): PgBackupsDeps {
  if (!deps.pgBackups) throw new PlatformError(ErrorCodes.invalidParams, 'Backups are not available on this platform.');
  return deps.pgBackups;
}

const fileOf = (b: PgBackupsDeps, backup: Pick<AddonBackupRecord, 'id' | 'addonId'>) => path.join(b.dir, backup.addonId, backup.id);

/**
 * The PostgreSQL add-on of `app` a user means by `database`: an attachment name (`DATABASE`, `DATABASE_URL`,
 * `HEROKU_POSTGRESQL_RED`) or an add-on name; none → `DATABASE`, or the app's only database. The add-on must be
 * the app's own (backups live with the app that owns the database).
 *
 * @throws PLT_ADDON_NOT_FOUND (no such database on this app); PLT_INVALID_PARAMS (the add-on is another app's)
 */
export async function resolveDatabase(deps: BackupDeps, app: AppRecord, database?: string): Promise<{ addon: AddonRecord; database: string }> {
  const attachments = await deps.store.addons.attachments(app.id);
  const candidates: { addon: AddonRecord; database: string }[] = [];
  for (const a of attachments) {
    const addon = await deps.store.addons.find(a.addonId);
    if (addon?.service === 'postgresql') candidates.push({ addon, database: a.name });
  }
  const wanted = database?.toUpperCase().replace(/_URL$/, '');
  const found =
    database === undefined
      ? (candidates.find((c) => c.database === 'DATABASE') ?? (candidates.length === 1 ? candidates[0] : undefined))
      : candidates.find((c) => c.database === wanted || c.addon.name === database || c.addon.id === database);
  if (!found) {
    throw new PlatformError(ErrorCodes.addonNotFound, `${app.name} has no PostgreSQL database ${database ?? 'DATABASE'}${candidates.length ? ` (it has: ${candidates.map((c) => c.database).join(', ')})` : ''}.`);
  }
  if (found.addon.appId !== app.id) {
    const owner = await deps.store.apps.find(found.addon.appId);
    throw new PlatformError(ErrorCodes.invalidParams, `${found.addon.name} belongs to ${owner?.name ?? 'another app'}: back it up from there (-a ${owner?.name ?? '…'}).`);
  }
  return found;
}

/** Removes backups beyond the retention rule (rows and files). */
async function applyRetention(deps: BackupDeps, b: PgBackupsDeps, addonId: string, kind: AddonBackupKind): Promise<void> {
  const keep = RETENTION[kind];
  let succeeded = 0;
  const ofKind = (await deps.store.addonBackups.listOf(addonId)).filter((x) => x.kind === kind && x.status !== 'running');
  for (const [i, backup] of ofKind.entries()) {
    const expired = backup.status === 'succeeded' ? ++succeeded > keep : i >= keep;
    if (!expired) continue;
    await rm(fileOf(b, backup), { force: true });
    await deps.store.addonBackups.remove(backup.id);
  }
}

/**
 * Starts a backup of `addon` (as `database`) and returns its `running` record at once; `done` settles when it
 * ended (it never rejects: a failure is recorded on the row, with pg_dump's words, and logged to the app's log).
 */
export async function startCapture(
  deps: BackupDeps,
  addon: AddonRecord,
  database: string,
  kind: AddonBackupKind,
): Promise<{ backup: AddonBackupRecord; done: Promise<AddonBackupRecord | null> }> {
  const b = backupsOf(deps);
  // One pg_dump per database at a time (Heroku's rule too): a second capture waits for the first to end.
  const running = (await deps.store.addonBackups.listOf(addon.id)).find((x) => x.status === 'running');
  if (running) throw new PlatformError(ErrorCodes.conflict, `Backup ${backupName(running)} of ${running.database} is still running; capture again once it ended.`);
  const backup = await deps.store.addonBackups.create({ addonId: addon.id, appId: addon.appId, kind, database });
  const name = backupName(backup);
  b.appLog(addon.appId, `Backup ${name} of ${database} (${addon.name}) started${kind === 'scheduled' ? ' (scheduled)' : ''}`);
  const run = async () => {
    const tools = await findPgTools(b.pgBinDir);
    if (!tools) throw new PlatformError(ErrorCodes.backupFailed, 'pg_dump and pg_restore were not found: install postgresql-client, or set PLATFORM_PG_BIN_DIR.');
    const credentials = await deps.store.addons.credentials(addon.id);
    if (!credentials) throw new PlatformError(ErrorCodes.backupFailed, `${addon.name} has no credentials yet.`);
    await mkdir(path.join(b.dir, addon.id), { recursive: true, mode: 0o700 });
    const url = await platformUrlOf(deps, addon, credentials.url);
    return captureDump({ url, file: fileOf(b, backup), tools, seal: () => b.cipher.sealStream(backup.id) });
  };
  const done = run().then(
    async ({ bytes }) => {
      if (!(await deps.store.addonBackups.finish(backup.id, { status: 'succeeded', sizeBytes: bytes }))) {
        await rm(fileOf(b, backup), { force: true }); // the add-on went meanwhile
        return null;
      }
      b.appLog(addon.appId, `Backup ${name} of ${database} completed (${bytes} bytes)`);
      await applyRetention(deps, b, addon.id, kind);
      return deps.store.addonBackups.find(backup.id);
    },
    async (err: unknown) => {
      const error = (err as Error).message;
      await deps.store.addonBackups.finish(backup.id, { status: 'failed', error });
      b.appLog(addon.appId, `Backup ${name} of ${database} FAILED: ${error}`);
      deps.logger.warn({ addon: addon.name, backup: name, err: { message: error, code: (err as { code?: string }).code } }, 'backup failed');
      return deps.store.addonBackups.find(backup.id);
    },
  );
  const settled = done.catch((err: unknown) => {
    deps.logger.warn({ err, backup: name }, 'recording a backup failed');
    return null;
  });
  return { backup, done: settled };
}

/**
 * `pg:backups:capture [DATABASE]` (POST /apps/{app}/pg-backups): starts a backup; the answer is its `running`
 * record, `GET` it until it ended.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_FORBIDDEN (a collaborator without `manage`); PLT_ADDON_NOT_FOUND; PLT_INVALID_PARAMS;
 *   PLT_CONFLICT (a backup of that database is still running)
 */
export async function captureBackup(deps: BackupDeps, user: User, appName: string, database?: string) {
  const app = await findApp(deps.store, user, appName, 'manage');
  const target = await resolveDatabase(deps, app, database);
  const started = await startCapture(deps, target.addon, target.database, 'manual');
  return { ...started, view: { backup: started.backup, addon: target.addon, app } satisfies BackupView };
}

async function viewsOf(deps: BackupDeps, app: AppRecord, backups: AddonBackupRecord[]): Promise<BackupView[]> {
  const views: BackupView[] = [];
  for (const backup of backups) {
    const addon = await deps.store.addons.find(backup.addonId);
    if (addon) views.push({ backup, addon, app });
  }
  return views;
}

/** `pg:backups`: the app's backups, newest first. @throws PLT_APP_NOT_FOUND */
export async function listBackups(deps: BackupDeps, user: User, appName: string): Promise<BackupView[]> {
  const app = await findApp(deps.store, user, appName);
  return viewsOf(deps, app, await deps.store.addonBackups.list(app.id));
}

/**
 * One backup of the app by name (`b001`, `a002`, or its number). @throws PLT_BACKUP_NOT_FOUND; PLT_APP_NOT_FOUND;
 * PLT_FORBIDDEN (lacking `need`)
 */
export async function getBackup(deps: BackupDeps, user: User, appName: string, name: string, need: 'view' | 'manage' = 'view'): Promise<BackupView> {
  const app = await findApp(deps.store, user, appName, need);
  const m = /^([ab]?)0*(\d{1,9})$/i.exec(name);
  const backup = m ? await deps.store.addonBackups.findByNum(app.id, Number(m[2])) : null;
  if (!backup || (m?.[1] && m[1].toLowerCase() !== backupName(backup)[0])) {
    throw new PlatformError(ErrorCodes.backupNotFound, `Couldn't find backup ${JSON.stringify(name)} on ${app.name}; see the list with pg:backups.`);
  }
  const [view] = await viewsOf(deps, app, [backup]);
  if (!view) throw new PlatformError(ErrorCodes.backupNotFound, `Couldn't find backup ${JSON.stringify(name)} on ${app.name}.`);
  return view;
}

/**
 * `pg:backups:restore [BACKUP] [DATABASE]`: replaces the database's objects by the backup's (pg_restore --clean
 * --if-exists --no-owner, one transaction). No backup named: the newest succeeded one of that database.
 *
 * @throws PLT_BACKUP_NOT_FOUND; PLT_INVALID_PARAMS (the backup did not succeed); PLT_RESTORE_FAILED (pg_restore's
 *   words; the database is as it was); PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND; PLT_FORBIDDEN
 */
export async function restoreBackup(deps: BackupDeps, user: User, appName: string, name?: string, database?: string): Promise<BackupView> {
  const b = backupsOf(deps);
  const app = await findApp(deps.store, user, appName, 'manage');
  const target = await resolveDatabase(deps, app, database);
  let view: BackupView;
  if (name === undefined) {
    const latest = (await deps.store.addonBackups.listOf(target.addon.id)).find((x) => x.status === 'succeeded');
    if (!latest) throw new PlatformError(ErrorCodes.backupNotFound, `${target.database} has no backup that succeeded; capture one with pg:backups:capture.`);
    view = { backup: latest, addon: target.addon, app };
  } else {
    view = await getBackup(deps, user, appName, name, 'manage');
  }
  const label = backupName(view.backup);
  if (view.backup.status !== 'succeeded') throw new PlatformError(ErrorCodes.invalidParams, `Backup ${label} ${view.backup.status === 'running' ? 'is still running' : 'failed'}: it cannot be restored.`);
  await assertFile(b, view.backup);
  const tools = await findPgTools(b.pgBinDir);
  if (!tools) throw new PlatformError(ErrorCodes.restoreFailed, 'pg_restore was not found: install postgresql-client, or set PLATFORM_PG_BIN_DIR.');
  const credentials = await deps.store.addons.credentials(target.addon.id);
  if (!credentials) throw new PlatformError(ErrorCodes.restoreFailed, `${target.addon.name} has no credentials yet.`);
  b.appLog(app.id, `Restore of ${label} into ${target.database} (${target.addon.name}) started by ${user.email}`);
  try {
    const url = await platformUrlOf(deps, target.addon, credentials.url);
    await restoreDump({ url, file: fileOf(b, view.backup), tools, open: () => b.cipher.openStream(view.backup.id) });
  } catch (err) {
    b.appLog(app.id, `Restore of ${label} into ${target.database} FAILED: ${(err as Error).message}`);
    throw err;
  }
  b.appLog(app.id, `Restore of ${label} into ${target.database} completed`);
  return view;
}

/** A succeeded backup's file must still be there (an operator may have removed it by hand). */
async function assertFile(b: PgBackupsDeps, backup: AddonBackupRecord): Promise<void> {
  await access(fileOf(b, backup)).catch(() => {
    throw new PlatformError(ErrorCodes.backupNotFound, `The file of backup ${backupName(backup)} is missing on the server; delete the backup with pg:backups:delete.`);
  });
}

/** `pg:backups:download`: the backup's dump, decrypted as it streams. @throws as getBackup; PLT_INVALID_PARAMS (not succeeded) */
export async function downloadBackup(deps: BackupDeps, user: User, appName: string, name: string): Promise<BackupView & { stream: Transform }> {
  const b = backupsOf(deps);
  const view = await getBackup(deps, user, appName, name, 'manage');
  if (view.backup.status !== 'succeeded') throw new PlatformError(ErrorCodes.invalidParams, `Backup ${backupName(view.backup)} did not succeed: there is nothing to download.`);
  await assertFile(b, view.backup);
  return { ...view, stream: readDump({ file: fileOf(b, view.backup), open: () => b.cipher.openStream(view.backup.id) }) };
}

/** `pg:backups:delete`: the row and its file. @throws as getBackup; PLT_CONFLICT (still running) */
export async function deleteBackup(deps: BackupDeps, user: User, appName: string, name: string): Promise<BackupView> {
  const b = backupsOf(deps);
  const view = await getBackup(deps, user, appName, name, 'manage');
  if (view.backup.status === 'running') throw new PlatformError(ErrorCodes.conflict, `Backup ${backupName(view.backup)} is still running; delete it once it ended.`);
  await rm(fileOf(b, view.backup), { force: true });
  await deps.store.addonBackups.remove(view.backup.id);
  return view;
}

/** Removes every backup file of an add-on (its rows go with its row), for addons:destroy and apps:destroy. */
export async function removeAddonBackups(deps: BackupDeps, addonId: string): Promise<void> {
  if (!deps.pgBackups) return;
  for (const backup of await deps.store.addonBackups.listOf(addonId)) await deps.store.addonBackups.remove(backup.id);
  await rm(path.join(deps.pgBackups.dir, addonId), { recursive: true, force: true });
}

/** The add-on's URL as platformd reaches it (its provider's `platformUrl`: a docker add-on's container address). */
async function platformUrlOf(deps: BackupDeps, addon: AddonRecord, url: string): Promise<string> {
  const provider = deps.addonProviders?.find((p) => p.service === addon.service && p.name === addon.provider);
  return provider?.platformUrl ? provider.platformUrl({ addonId: addon.id, plan: addon.plan, appId: addon.appId }, url) : url;
}
