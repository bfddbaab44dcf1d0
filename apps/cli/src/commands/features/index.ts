import type { Command } from 'commander';
import type { AppFeature } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { header } from '../../format/style.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform features`: the app's features, `[+]` when enabled, as Heroku's CLI lists them. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('features').description("list the app's features (e.g. redirect-https) and whether each is enabled"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const features = await api.get<AppFeature[]>(appPath(app, '/features'));
      if (flags.json) return printJson(ctx.out, features);
      const width = Math.max(0, ...features.map((f) => f.name.length));
      ctx.out(header(`${ctx.style.app(app)} App Features`), ...features.map((f) => `[${f.enabled ? '+' : ' '}] ${f.name.padEnd(width)}  ${f.description ?? ''}`.trimEnd()));
    });
}
