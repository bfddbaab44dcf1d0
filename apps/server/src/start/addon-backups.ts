import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Cipher } from '@platform/secrets';
import type { Store } from '@platform/store-postgres';
import type { AddonProvider } from '@platform/types';
import type { ServerConfig } from '../config.ts';
import { backupName, type PgBackupsDeps } from '../services/addon-backups.ts';
import { runDueSchedules } from '../services/addon-backup-schedules.ts';
import type { CleanupStack } from './cleanup-stack.ts';
import type { AppLogs } from './app-logs.ts';

/** How often the backup scheduler looks for due schedules (they are due by the hour). */
export const BACKUP_SCHEDULER_TICK_MS = 60_000;

/**
 * PostgreSQL backups in platformd: `<data dir>/backups` (0700), what a previous server left mid-backup (rows
 * `running` → failed "platform restarted", with a line in the app's log; `*.partial` files removed), and the
 * daily scheduler: one pass now (a backup missed while platformd was down runs once, not once per missed day),
 * then every minute. Closed before the database: the timer stops (a backup under way is not waited for).
 */
export async function openPgBackups(
  config: Pick<ServerConfig, 'dataDir' | 'pgBinDir'>,
  deps: { store: Store; cipher: Cipher; logger: Logger; cleanups: CleanupStack; logs: Pick<AppLogs, 'byId'>; addonProviders: readonly AddonProvider[] },
): Promise<PgBackupsDeps> {
  // Heroku's add-on lines are the app's own: `app[pg-backups]`.
  const appLog = (appId: string, message: string) => deps.logs.byId(appId, { source: 'app', process: 'pg-backups', message });
  const dir = path.join(config.dataDir, 'backups');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const backup of await deps.store.addonBackups.failRunning('platform restarted during the backup')) {
    appLog(backup.appId, `Backup ${backupName(backup)} of ${backup.database} FAILED: platform restarted during the backup`);
  }
  for (const addonDir of await readdir(dir)) {
    for (const file of await readdir(path.join(dir, addonDir)).catch(() => [] as string[])) {
      if (file.endsWith('.partial')) await rm(path.join(dir, addonDir, file), { force: true });
    }
  }
  const pgBackups: PgBackupsDeps = { dir, cipher: deps.cipher, pgBinDir: config.pgBinDir, appLog };
  const logger = deps.logger.child({ component: 'pg-backups' });
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<unknown> = Promise.resolve();
  const tick = () => {
    pass = pass
      .then(() => runDueSchedules({ store: deps.store, logger, pgBackups, addonProviders: [...deps.addonProviders] }))
      .catch((err: unknown) => logger.warn({ err }, 'the backup scheduler failed; it tries again in a minute'));
  };
  deps.cleanups.defer(async () => {
    if (timer) clearInterval(timer);
    // A dump under way is not waited for (it may take minutes): the next start marks it failed and removes its file.
    await Promise.race([pass, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  });
  // The add-on servers are up by now (start/addons.ts): a backup missed while platformd was down runs at once.
  tick();
  timer = setInterval(tick, BACKUP_SCHEDULER_TICK_MS);
  timer.unref();
  return pgBackups;
}
