import type { Command } from 'commander';
import type { App } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { listRemotes, removeRemote } from '../../git.ts';
import { appFromGitUrl } from '../../resolve-app.ts';
import { flagsOf, withApp } from '../shared.ts';

async function ask(ctx: Context, question: string): Promise<string> {
  const { createInterface } = await import('node:readline'); // on use: most commands never prompt
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer.trim());
    });
  });
}

export function register(program: Command, ctx: Context): void {
  withApp(program.command('apps:destroy').alias('destroy').description('permanently destroy an app'))
    .argument('[app]', 'app name (same as --app)')
    .option('-c, --confirm <app>', 'confirm the app name without a prompt')
    .action(async (appArg: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const name = appArg ?? (await ctx.app(flags));
      if (flags.confirm !== name) {
        if (flags.confirm !== undefined) {
          throw cliError(
            CliErrorCodes.confirmation,
            `Confirmation ${flags.confirm} did not match ${name}. Aborted.`,
          );
        }
        const interactive = ctx.io.stdin.isTTY && ctx.io.stderr.isTTY;
        if (!interactive) {
          throw cliError(
            CliErrorCodes.confirmation,
            `This will permanently destroy ${name} and its releases, config and dynos.`,
            `Re-run with --confirm ${name} to proceed.`,
          );
        }
        ctx.warn(
          `WARNING: This will permanently destroy ${ctx.style.app(name)} and its releases, config and dynos.`,
        );
        ctx.warn(`To proceed, type ${name} or re-run this command with --confirm ${name}`);
        const answer = await ask(ctx, '\n> ');
        if (answer !== name)
          throw cliError(
            CliErrorCodes.confirmation,
            `Confirmation ${answer} did not match ${name}. Aborted.`,
          );
      }
      await ctx.action(`Destroying ${ctx.style.app(name)}`, () => api.delete<App>(appPath(name)));
      // Like Heroku: drop the git remotes in this repository that pointed at the destroyed app.
      const gitOpts = { cwd: ctx.io.cwd, env: ctx.io.env };
      for (const remote of await listRemotes(gitOpts)) {
        if (appFromGitUrl(remote.url, api.server) === name)
          await removeRemote(remote.name, gitOpts).catch(() => undefined);
      }
    });
}
