import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import type { PgBackup } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';
import { backupsPath, requireConfirm } from './shared.ts';

/**
 * `platform pg:backups:restore [BACKUP] [DATABASE] --confirm APP`: replaces the database's tables and other objects
 * with the backup's (pg_restore --clean --if-exists --no-owner, in one transaction: a failure changes nothing).
 * No backup named: the newest that succeeded of that database.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:restore').description('restore a backup into a PostgreSQL database'))
    .argument('[backup]', 'backup id, e.g. b001 (default: the newest that succeeded)')
    .argument('[database]', 'attachment or add-on name (default: DATABASE)')
    .option('-c, --confirm <app>', 'confirm with the name of the app')
    .option('--json', 'output as JSON')
    .action(async (name: string | undefined, database: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const target = database ?? 'DATABASE';
      requireConfirm(flags.confirm, app, `This will overwrite the data of ${target} on ${app} with ${name ?? 'its latest backup'}.`);
      const path = backupsPath(app, name ?? 'latest', '/actions/restore');
      const body = database === undefined ? {} : { database };
      const restored = await ctx.action(`Restoring ${name ?? 'the latest backup'} into ${target} on ${ctx.style.app(app)}`, () => api.post<PgBackup>(path, body));
      if (flags.json) printJson(ctx.out, restored);
    });
}
