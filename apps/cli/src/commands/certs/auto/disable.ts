import type { Command } from 'commander';
import { appPath, type Context } from '../../../context.ts';
import { flagsOf, withApp } from '../../shared.ts';

/** `platform certs:auto:disable`: `DELETE /apps/{app}/acm`. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:auto:disable').description("turn off automatic certificates (uploaded ones stay)")).action(async (_opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Disabling Automatic Certificate Management for ${ctx.style.app(app)}`, () => api.delete(appPath(app, '/acm')));
  });
}
