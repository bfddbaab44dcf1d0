import type { Command } from 'commander';
import type { Dyno } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatDynos } from '../../format/ps.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('ps').description("list the app's dynos"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const dynos = await api.get<Dyno[]>(appPath(app, '/dynos'));
      if (flags.json) printJson(ctx.out, dynos);
      else ctx.out(...formatDynos(app, dynos, ctx.style, ctx.time()));
    });
}
