import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import type { PgBackup } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';
import { backupsPath, requireConfirm } from './shared.ts';

/** `platform pg:backups:delete BACKUP --confirm APP`: removes the backup and its file. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:delete').description('delete a PostgreSQL backup'))
    .argument('<backup>', 'backup id, e.g. b001')
    .option('-c, --confirm <app>', 'confirm with the name of the app')
    .option('--json', 'output as JSON')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      requireConfirm(flags.confirm, app, `This will permanently delete backup ${name} of ${app}.`);
      const gone = await ctx.action(`Deleting backup ${name} of ${ctx.style.app(app)}`, () => api.delete<PgBackup>(backupsPath(app, name)));
      if (flags.json) printJson(ctx.out, gone);
    });
}
