import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { cliError, CliErrorCodes } from '../../../errors.ts';
import { formatBytes, type PgBackup } from '../../../format/pg-backups.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';
import { backupsPath, waitForBackup } from './shared.ts';

/**
 * `platform pg:backups:capture [DATABASE]`: a backup now (pg_dump, encrypted at rest on the server); waits until it
 * ended and exits 1 with pg_dump's words when it failed. Ctrl-C stops the waiting, not the backup.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:capture').description('capture a backup of a PostgreSQL database'))
    .argument('[database]', 'attachment or add-on name (default: DATABASE)')
    .option('--json', 'output as JSON')
    .action(async (database: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const started = await api.post<PgBackup>(backupsPath(app), database === undefined ? {} : { database });
      if (!flags.json) ctx.out(`${started.database} ---backup---> ${started.name}`, '', 'Use Ctrl-C at any time to stop monitoring progress; the backup will continue running.');
      const ended = flags.json ? await waitForBackup(api, app, started) : await ctx.action(`Backing up ${started.database} to ${started.name}`, () => waitForBackup(api, app, started), (b) => (b.succeeded ? formatBytes(b.size_bytes) : undefined));
      if (flags.json) printJson(ctx.out, ended);
      if (!ended.succeeded) {
        throw cliError(CliErrorCodes.api, `Backup ${ended.name} failed: ${ended.error ?? 'unknown error'}`, `Its details: platform pg:backups:info ${ended.name} -a ${app}`);
      }
    });
}
