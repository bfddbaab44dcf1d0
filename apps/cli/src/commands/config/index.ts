import type { Command } from 'commander';
import type { ConfigVars } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatConfig } from '../../format/config.ts';
import { formatShellVars } from '../../format/shell.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('config').description('display the config vars of an app'))
    .option('-s, --shell', 'output as shell-quoted KEY=value lines')
    .option('-j, --json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ shell?: boolean; json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const vars = await api.get<ConfigVars>(appPath(app, '/config-vars'));
      if (flags.json) printJson(ctx.out, vars);
      else if (flags.shell) ctx.out(...formatShellVars(vars));
      else ctx.out(...formatConfig(app, vars, ctx.style));
    });
}
