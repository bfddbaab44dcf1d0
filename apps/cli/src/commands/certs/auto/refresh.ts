import type { Command } from 'commander';
import { appPath, type Context } from '../../../context.ts';
import { flagsOf, withApp } from '../../shared.ts';

/** `platform certs:auto:refresh`: `PATCH /apps/{app}/acm`, retry failing domains now. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:auto:refresh').description('retry automatic certificates of failing domains now')).action(async (_opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Refreshing Automatic Certificate Management for ${ctx.style.app(app)}`, () => api.patch(appPath(app, '/acm'), { acm_refresh: true }));
  });
}
