import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import type { App } from '../../api-types.ts';
import { flagsOf, withApp } from '../shared.ts';

/** `platform maintenance`: prints `on` or `off`, as Heroku's CLI does. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('maintenance').description("display the app's maintenance mode (on or off)")).action(async (_opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    const info = await api.get<App>(appPath(app));
    ctx.out(info.maintenance ? 'on' : 'off');
  });
}
