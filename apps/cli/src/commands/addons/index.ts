import type { Command } from 'commander';
import type { Addon } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatAddons } from '../../format/addons.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform addons`: the app's add-ons, their plans and the names they are attached as. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons').description("list the app's add-ons"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addons = await api.get<Addon[]>(appPath(app, '/addons'));
      if (flags.json) printJson(ctx.out, addons);
      else ctx.out(...formatAddons(app, addons, ctx.style));
    });
}
