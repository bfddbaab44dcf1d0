import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

/** `platform features:enable FEATURE`: `PATCH /apps/{app}/features/{feature} {"enabled": true}`. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('features:enable').argument('<feature>', 'the feature, e.g. redirect-https').description('enable an app feature: redirect-https (plain HTTP to HTTPS where a certificate covers the host)')).action(async (feature: string, _opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Enabling ${feature} for ${ctx.style.app(app)}`, () => api.patch(appPath(app, `/features/${encodeURIComponent(feature)}`), { enabled: true }));
  });
}
