import type { Command } from 'commander';
import { appPath, type Context } from '../../../context.ts';
import { flagsOf, withApp } from '../../shared.ts';

/** `platform certs:auto:enable`: `POST /apps/{app}/acm`. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:auto:enable').description("turn on automatic certificates (ACME) for the app's custom domains")).action(async (_opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Enabling Automatic Certificate Management for ${ctx.style.app(app)}`, () => api.post(appPath(app, '/acm')));
  });
}
