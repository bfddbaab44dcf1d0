import type { Command } from 'commander';
import { appPath, type Context, type GlobalFlags } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { buildCommand, parseRunEnv, type RunDyno, type RunFlags } from '../../run-client.ts';
import { flagsOf, withApp } from '../shared.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the options `run` and `run:detached` share. */
export function withRunOptions(cmd: Command): Command {
  return withApp(cmd)
    .argument('<command...>', 'the command to run (a Procfile process type is replaced by its command)')
    .option('-e, --env <vars>', 'extra env for this run only: "KEY=value;KEY2=value2" (repeatable)', collect)
    .option('-s, --size <size>', 'dyno size, e.g. standard-2x');
}

/**
 * Creates the one-off (`POST /apps/{app}/dynos`) behind the `Running \`cmd\` on app... ` status line that both
 * `run` and `run:detached` print; the caller finishes the line. `-e` vars go over `env` (the caller's base).
 */
export async function createRunDyno(
  ctx: Context,
  flags: GlobalFlags & RunFlags,
  command: string,
  body: { attach: boolean; force_no_tty?: boolean; env?: Record<string, string> },
): Promise<{ app: string; dyno: RunDyno }> {
  const env = { ...body.env, ...parseRunEnv(flags.env) };
  const api = await ctx.api(flags);
  const app = await ctx.app(flags);
  ctx.io.stderr.write(`Running \`${command}\` on ${ctx.style.app(app)}... `);
  try {
    const dyno = await api.post<RunDyno>(appPath(app, '/dynos'), {
      command,
      ...body,
      env,
      ...(flags.size ? { size: flags.size } : {}),
      type: 'run',
    });
    return { app, dyno };
  } catch (err) {
    ctx.io.stderr.write('!\n');
    throw err;
  }
}

/** Starts the one-off without attaching; its output goes to the app's log stream as app[run.N]. */
export async function runDetached(ctx: Context, flags: GlobalFlags & RunFlags, command: string): Promise<void> {
  const { app, dyno } = await createRunDyno(ctx, flags, command, { attach: false });
  ctx.io.stderr.write(`done, ${dyno.name}\n`);
  ctx.out(`Run \`platform logs --app ${app} --dyno ${dyno.name}\` to view the output.`);
}

export function register(program: Command, ctx: Context): void {
  withRunOptions(program.command('run:detached').description('run a one-off process in the background; its output goes to the app logs'))
    .action(async (args: string[], _opts, cmd: Command) => {
      const command = buildCommand(args);
      if (command.trim() === '') throw cliError(CliErrorCodes.badArgs, 'No command given.', 'Usage: platform run:detached COMMAND');
      await runDetached(ctx, flagsOf<RunFlags>(cmd), command);
    });
}
