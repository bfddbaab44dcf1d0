import { CommanderError, type Command } from 'commander';
import type { Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { attachToDyno, buildCommand, type RunFlags } from '../run-client.ts';
import { flagsOf } from './shared.ts';
import { createRunDyno, runDetached, withRunOptions } from './run/detached.ts';

export function register(program: Command, ctx: Context): void {
  withRunOptions(program.command('run').description('run a one-off process (an admin task) on the current release'))
    .option('--no-tty', 'do not allocate a terminal, even when this one is')
    .option('-x, --exit-code', 'exit with the process exit code (always on; accepted for compatibility)')
    .option('--detach', 'run in the background, output to the app logs (same as run:detached)')
    .action(async (args: string[], _opts, cmd: Command) => {
      const flags = flagsOf<RunFlags & { tty: boolean; detach?: boolean }>(cmd);
      const command = buildCommand(args);
      if (command.trim() === '') throw cliError(CliErrorCodes.badArgs, 'No command given.', 'Usage: platform run COMMAND, e.g. platform run bash');
      if (flags.detach) return runDetached(ctx, flags, command);
      const tty = flags.tty !== false && Boolean(ctx.io.stdin.isTTY) && Boolean(ctx.io.stdout.isTTY);
      const stdout = ctx.io.stdout as { columns?: number; rows?: number };
      const { dyno } = await createRunDyno(ctx, flags, command, {
        attach: true,
        force_no_tty: !tty,
        env: {
          TERM: ctx.io.env.TERM || 'xterm-256color',
          ...(tty && stdout.columns && stdout.rows ? { COLUMNS: String(stdout.columns), LINES: String(stdout.rows) } : {}),
        },
      });
      ctx.io.stderr.write(`up, ${dyno.name}\n`);
      if (!dyno.attach_url) throw cliError(CliErrorCodes.api, 'The server did not return an attach URL.');
      const code = await attachToDyno(ctx.io, dyno.attach_url, tty);
      // runCli returns a CommanderError's exit code without printing anything more.
      if (code !== 0) throw new CommanderError(code, 'platform.run.exit', '');
    });
}
