import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, withApp } from '../shared.ts';
import { changeConfig } from './set.ts';

export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('config:unset')
      .alias('config:remove')
      .description('unset one or more config vars (creates a release and restarts the dynos)'),
  )
    .argument('<keys...>', 'config var names')
    .action(async (keys: string[], _opts, cmd: Command) => {
      if (keys.some((k) => k.includes('='))) {
        throw cliError(
          CliErrorCodes.badArgs,
          'config:unset takes names, not KEY=value pairs.',
          `Did you mean platform config:unset ${keys.map((k) => k.split('=')[0]).join(' ')}?`,
        );
      }
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const body = Object.fromEntries(keys.map((k) => [k, null]));
      await ctx.action(
        `Unsetting ${keys.join(', ')} and restarting ${ctx.style.app(app)}`,
        () =>
          changeConfig(api, app, async () => {
            await api.patch(appPath(app, '/config-vars'), body);
          }),
        (v) => (v ? ctx.style.green(v) : undefined),
      );
    });
}
