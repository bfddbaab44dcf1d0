import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { appPath } from '../../../context.ts';
import { cliError, CliErrorCodes } from '../../../errors.ts';
import type { PgBackupSchedule } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';

/**
 * `platform pg:backups:schedule [DATABASE] --at '02:00 UTC'`: a backup of the database every day at that hour
 * (UTC); the newest 7 scheduled backups are kept. A day missed while the server was down is made up once at start.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:schedule').description('schedule a daily backup of a PostgreSQL database'))
    .argument('[database]', 'attachment or add-on name (default: DATABASE)')
    .option('--at <hour>', "the hour, in UTC: '02:00 UTC'")
    .option('--json', 'output as JSON')
    .action(async (database: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; at?: string }>(cmd);
      if (flags.at === undefined) throw cliError(CliErrorCodes.badArgs, 'Say when with --at.', "e.g. platform pg:backups:schedule --at '02:00 UTC'");
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const target = database ?? 'DATABASE';
      const schedule = await ctx.action(`Scheduling daily backups of ${target} at ${flags.at}`, () =>
        api.request<PgBackupSchedule>('PUT', appPath(app, `/pg-backup-schedules/${encodeURIComponent(target)}`), { body: { at: flags.at } }),
      );
      if (flags.json) printJson(ctx.out, schedule);
    });
}
