import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, withApp } from '../shared.ts';
import { parseDynoTarget } from './target.ts';

export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('ps:stop')
      .alias('stop')
      .description('stop one dyno or all dynos of a process type (formation dynos are started again)'),
  )
    .argument('[dyno-or-type]', 'dyno name (run.1) or process type (worker)')
    .option('-d, --dyno-name <name>', 'the dyno to stop')
    .option('-p, --process-type <type>', 'the process type to stop')
    .action(async (positional: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ dynoName?: string; processType?: string }>(cmd);
      const target = parseDynoTarget(positional, flags);
      if (target.kind === 'all') {
        throw cliError(
          CliErrorCodes.badArgs,
          'Specify the dyno or process type to stop.',
          'Usage: platform ps:stop web.1  or  platform ps:stop worker',
        );
      }
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const on = `on ${ctx.style.app(app)}`;
      if (target.kind === 'dyno') {
        await ctx.action(`Stopping dyno ${target.name} ${on}`, () =>
          api.post(appPath(app, `/dynos/${encodeURIComponent(target.name)}/actions/stop`)),
        );
      } else {
        await ctx.action(`Stopping ${target.type} dynos ${on}`, () =>
          api.post(appPath(app, `/formations/${encodeURIComponent(target.type)}/actions/stop`)),
        );
      }
    });
}
