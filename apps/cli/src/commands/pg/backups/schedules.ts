import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { appPath } from '../../../context.ts';
import { formatSchedules, type PgBackupSchedule } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';

/** `platform pg:backups:schedules`: the app's daily backup schedules. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:schedules').description("list the app's backup schedules"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const schedules = await api.get<PgBackupSchedule[]>(appPath(app, '/pg-backup-schedules'));
      if (flags.json) printJson(ctx.out, schedules);
      else ctx.out(...formatSchedules(app, schedules));
    });
}
