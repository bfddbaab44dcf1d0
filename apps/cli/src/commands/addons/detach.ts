import type { Command } from 'commander';
import type { AddonAttachment, Release } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/**
 * `platform addons:detach ATTACHMENT -a APP`: removes an attachment (`REPORTING`, or its id) from APP; its
 * `<NAME>_URL` goes in a new release with a restart. The add-on and its data stay. The last attachment of an
 * add-on to the app that owns it cannot be detached: destroy the add-on instead.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons:detach').description('detach an add-on from an app'))
    .argument('<attachment>', 'attachment name (e.g. REPORTING or REPORTING_URL) or id')
    .option('--json', 'output as JSON')
    .action(async (ref: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const attachment = await api.get<AddonAttachment>(appPath(app, `/addon-attachments/${encodeURIComponent(ref)}`));
      const gone = await ctx.action(`Detaching ${ctx.style.cyan(attachment.name)} to ${ctx.style.yellow(attachment.addon.name)} from ${ctx.style.app(app)}`, () =>
        api.delete<AddonAttachment>(`/addon-attachments/${encodeURIComponent(attachment.id)}`),
      );
      if (flags.json) return printJson(ctx.out, gone);
      await ctx.action(
        `Unsetting ${ctx.style.cyan(`${attachment.name}_URL`)} config vars and restarting ${ctx.style.app(app)}`,
        () => api.get<Release[]>(appPath(app, '/releases'), { range: 'version ..; order=desc,max=1', partial: true }),
        (releases) => (releases[0] ? `v${releases[0].version}` : undefined),
      );
    });
}
