import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

/** `platform maintenance:on`: `PATCH /apps/{app} {"maintenance": true}`. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('maintenance:on').description('put the app into maintenance mode: its hosts answer 503 (H80) with a maintenance page, dynos keep running')).action(async (_opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Enabling maintenance mode for ${ctx.style.app(app)}`, () => api.patch(appPath(app), { maintenance: true }));
  });
}
