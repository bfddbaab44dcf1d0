import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

/** `platform maintenance:off`: `PATCH /apps/{app} {"maintenance": false}`. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('maintenance:off').description('take the app out of maintenance mode')).action(async (_opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Disabling maintenance mode for ${ctx.style.app(app)}`, () => api.patch(appPath(app), { maintenance: false }));
  });
}
