import type { Command } from 'commander';
import type { Addon, AddonAttachment, Release } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/**
 * `platform addons:attach ADDON -a APP [--as NAME] [--confirm APP]`: attaches an existing add-on (of this or
 * another app you manage) to APP as `<NAME>_URL` (default: the name it has in its own app), a new release with a
 * restart. `--confirm APP` replaces an attachment of the same name in APP, as Heroku's does.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons:attach').description('attach an existing add-on to an app'))
    .argument('<addon>', 'add-on name or id (e.g. postgresql-solid-12345)')
    .option('--as <name>', 'attachment name: the config var is <NAME>_URL')
    .option('--confirm <app>', 'replace an attachment of the same name in this app')
    .option('--json', 'output as JSON')
    .action(async (ref: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; as?: string; confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addon = await api.get<Addon>(`/addons/${encodeURIComponent(ref)}`);
      const body = { addon: { name: addon.name }, app: { name: app }, ...(flags.as === undefined ? {} : { name: flags.as }), ...(flags.confirm === undefined ? {} : { confirm: flags.confirm }) };
      const as = flags.as === undefined ? '' : ` as ${ctx.style.cyan(flags.as.toUpperCase())}`;
      const attachment = await ctx.action(`Attaching ${ctx.style.yellow(addon.name)}${as} to ${ctx.style.app(app)}`, () => api.post<AddonAttachment>('/addon-attachments', body));
      if (flags.json) return printJson(ctx.out, attachment);
      await ctx.action(
        `Setting ${ctx.style.cyan(`${attachment.name}_URL`)} config vars and restarting ${ctx.style.app(app)}`,
        () => api.get<Release[]>(appPath(app, '/releases'), { range: 'version ..; order=desc,max=1', partial: true }),
        (releases) => (releases[0] ? `v${releases[0].version}` : undefined),
      );
    });
}
