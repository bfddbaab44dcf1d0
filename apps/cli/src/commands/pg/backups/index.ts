import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { formatBackups, type PgBackup } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';
import { backupsPath } from './shared.ts';

/** `platform pg:backups`: the app's backups, newest first: id, created, status (with the time it ended), size, database. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups').description("list the app's PostgreSQL backups"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const backups = await api.get<PgBackup[]>(backupsPath(app));
      if (flags.json) printJson(ctx.out, backups);
      else ctx.out(...formatBackups(app, backups));
    });
}
