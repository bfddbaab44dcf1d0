import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { formatBackupInfo } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';
import { backupOrLatest } from './shared.ts';

/** `platform pg:backups:info [BACKUP]`: one backup (default: the newest that succeeded), its error if it failed. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:info').description('show one PostgreSQL backup'))
    .argument('[backup]', 'backup id, e.g. b001 (default: the newest that succeeded)')
    .option('--json', 'output as JSON')
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const backup = await backupOrLatest(api, app, name);
      if (flags.json) printJson(ctx.out, backup);
      else ctx.out(...formatBackupInfo(backup));
    });
}
