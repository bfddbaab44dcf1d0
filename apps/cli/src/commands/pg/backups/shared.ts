import type { ApiClient } from '../../../http.ts';
import { appPath } from '../../../context.ts';
import { cliError, CliErrorCodes } from '../../../errors.ts';
import type { PgBackup } from '../../../format/pg-backups.ts';

/** `/apps/{app}/pg-backups[/<name>[/<rest>]]` */
export function backupsPath(app: string, name?: string, rest = ''): string {
  return appPath(app, `/pg-backups${name === undefined ? '' : `/${encodeURIComponent(name)}`}${rest}`);
}

/** The named backup, or the newest one that succeeded (Heroku's default for info, restore and download). */
export async function backupOrLatest(api: ApiClient, app: string, name: string | undefined): Promise<PgBackup> {
  if (name !== undefined) return api.get<PgBackup>(backupsPath(app, name));
  const latest = (await api.get<PgBackup[]>(backupsPath(app))).find((b) => b.succeeded);
  if (!latest) throw cliError(CliErrorCodes.badArgs, `${app} has no backup that succeeded.`, `Capture one with: platform pg:backups:capture -a ${app}`);
  return latest;
}

/** Polls a running backup until it ended (every `intervalMs`). */
export async function waitForBackup(api: ApiClient, app: string, backup: PgBackup, intervalMs = 500): Promise<PgBackup> {
  let b = backup;
  while (b.status === 'running') {
    await new Promise((r) => setTimeout(r, intervalMs));
    b = await api.get<PgBackup>(backupsPath(app, b.name));
  }
  return b;
}

/** Refuses to go on unless `--confirm` names the app (Heroku's destructive-command rule). */
export function requireConfirm(confirm: string | undefined, app: string, what: string): void {
  if (confirm === app) return;
  throw cliError(
    CliErrorCodes.confirmation,
    confirm === undefined ? what : `Confirmation ${confirm} did not match ${app}. Aborted.`,
    `Re-run with --confirm ${app} to proceed.`,
  );
}
