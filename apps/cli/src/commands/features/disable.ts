import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

/** `platform features:disable FEATURE`: `PATCH /apps/{app}/features/{feature} {"enabled": false}`. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('features:disable').argument('<feature>', 'the feature, e.g. redirect-https').description('disable an app feature')).action(async (feature: string, _opts, cmd: Command) => {
    const flags = flagsOf(cmd);
    const api = await ctx.api(flags);
    const app = await ctx.app(flags);
    await ctx.action(`Disabling ${feature} for ${ctx.style.app(app)}`, () => api.patch(appPath(app, `/features/${encodeURIComponent(feature)}`), { enabled: false }));
  });
}
