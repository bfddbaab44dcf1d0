import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { appPath } from '../../../context.ts';
import type { PgBackupSchedule } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';

/** `platform pg:backups:unschedule [DATABASE]`: stops the daily backups (the backups taken stay). */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:unschedule').description('stop the daily backups of a PostgreSQL database'))
    .argument('[database]', 'attachment or add-on name (default: DATABASE)')
    .option('--json', 'output as JSON')
    .action(async (database: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const target = database ?? 'DATABASE';
      const gone = await ctx.action(`Stopping the daily backups of ${target}`, () =>
        api.request<PgBackupSchedule>('DELETE', appPath(app, `/pg-backup-schedules/${encodeURIComponent(target)}`)),
      );
      if (flags.json) printJson(ctx.out, gone);
    });
}
