import type { Command } from 'commander';
import type { Addon, AddonAttachment } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatAddons } from '../../format/addons.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform addons`: the app's add-ons (its own and those attached from other apps), their plans and attachments across apps. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons').description("list the app's add-ons"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addons = await api.get<Addon[]>(appPath(app, '/addons'));
      if (flags.json) return printJson(ctx.out, addons);
      // Where each add-on is attached, across apps: the app's own attachments, then every attachment of the add-ons
      // whose owning app the user may see (another app's add-on answers 404 to a user who cannot see that app).
      const attachments = await api.get<AddonAttachment[]>(appPath(app, '/addon-attachments'));
      for (const addon of addons) {
        const all = await api.get<AddonAttachment[]>(`/addons/${encodeURIComponent(addon.id)}/addon-attachments`).catch((err: unknown) => {
          if ((err as { details?: { status?: number } }).details?.status === 404) return [];
          throw err;
        });
        attachments.push(...all.filter((a) => !attachments.some((b) => b.id === a.id)));
      }
      ctx.out(...formatAddons(app, addons, ctx.style, attachments));
    });
}
