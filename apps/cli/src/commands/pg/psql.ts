import { CommanderError, type Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { attachToDyno, type RunDyno } from '../../run-client.ts';
import { flagsOf, withApp } from '../shared.ts';

/** What POST /apps/{app}/pg-psql answers: the one-off, and which database it connects to. */
interface PsqlDyno extends RunDyno {
  addon: { name: string };
  config_var: string;
}

/**
 * `platform pg:psql [DATABASE] [-c SQL] -a APP`: psql in a one-off dyno of the app (attached, like `platform run`),
 * connected with the database's config var (default DATABASE_URL); the password reaches psql in its environment,
 * never in a command line. `-c` runs one command and exits with psql's status (it stops at the first error).
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:psql').description('open a psql shell to a database, in a one-off dyno of the app'))
    .argument('[database]', 'attachment or add-on name (default: DATABASE_URL, or the only database)')
    .option('-c, --command <sql>', 'run one SQL command and exit')
    .option('-s, --size <size>', 'dyno size, e.g. standard-2x')
    .action(async (database: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ command?: string; size?: string }>(cmd);
      if (flags.command !== undefined && flags.command.trim() === '') throw cliError(CliErrorCodes.badArgs, 'The -c command is empty.', 'Example: platform pg:psql -c "SELECT 1"');
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      // One SQL command needs no terminal; a shell gets one when this terminal is one.
      const tty = flags.command === undefined && Boolean(ctx.io.stdin.isTTY) && Boolean(ctx.io.stdout.isTTY);
      const stdout = ctx.io.stdout as { columns?: number; rows?: number };
      const dyno = await api.post<PsqlDyno>(appPath(app, '/pg-psql'), {
        attach: true,
        force_no_tty: !tty,
        env: { TERM: ctx.io.env.TERM || 'xterm-256color', ...(tty && stdout.columns && stdout.rows ? { COLUMNS: String(stdout.columns), LINES: String(stdout.rows) } : {}) },
        ...(database === undefined ? {} : { database }),
        ...(flags.command === undefined ? {} : { command: flags.command }),
        ...(flags.size ? { size: flags.size } : {}),
      });
      ctx.io.stderr.write(`--> Connecting to ${ctx.style.yellow(dyno.addon.name)} (${dyno.config_var}) in ${dyno.name}\n`);
      if (!dyno.attach_url) throw cliError(CliErrorCodes.api, 'The server did not return an attach URL.');
      const code = await attachToDyno(ctx.io, dyno.attach_url, tty);
      if (code === 127) ctx.warn('psql was not found in the dyno: the platform host (process runtime) or the stack image (docker) needs postgresql-client.');
      if (code !== 0) throw new CommanderError(code, 'platform.pg.psql.exit', '');
    });
}
