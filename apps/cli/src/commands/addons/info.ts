import type { Command } from 'commander';
import type { Addon, AddonAttachment } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatAddonInfo } from '../../format/addons.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform addons:info ADDON`: an add-on's plan, state, owning app and attachments (never its credentials). */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons:info').description('show an add-on'))
    .argument('<addon>', 'add-on name or id (or its attachment name, e.g. DATABASE)')
    .option('--json', 'output as JSON')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addon = await findAddon(api, app, name);
      if (flags.json) return printJson(ctx.out, addon);
      const attachments = await api.get<AddonAttachment[]>(appPath(app, '/addon-attachments'));
      ctx.out(...formatAddonInfo(addon, attachments));
    });
}

/** An add-on of the app by name, id, or attachment name (`DATABASE`, `DATABASE_URL`), as Heroku's CLI resolves it. */
export async function findAddon(api: Awaited<ReturnType<Context['api']>>, app: string, name: string): Promise<Addon> {
  const attachment = name.toUpperCase().replace(/_URL$/, '');
  const attachments = await api.get<AddonAttachment[]>(appPath(app, '/addon-attachments'));
  const byAttachment = attachments.find((a) => a.name === attachment);
  const ref = byAttachment ? byAttachment.addon.id : name;
  return api.get<Addon>(`/addons/${encodeURIComponent(ref)}`);
}

/**
 * The app's add-ons of one service (`postgresql`, `redis`), each once: all of them, or those `name` designates (an
 * add-on name or id, or an attachment name such as `DATABASE`/`DATABASE_URL`). What `pg:info` and `redis:info`
 * list. @throws the API's 404 for a `name` that is neither attached nor an add-on id.
 */
export async function addonsOfService(api: Awaited<ReturnType<Context['api']>>, app: string, service: string, name?: string): Promise<Addon[]> {
  const attachments = await api.get<AddonAttachment[]>(appPath(app, '/addon-attachments'));
  const wanted = name?.toUpperCase().replace(/_URL$/, '');
  const ids = [...new Set(attachments.filter((a) => !name || a.name === wanted || a.addon.name === name).map((a) => a.addon.id))];
  if (name && ids.length === 0) ids.push(name);
  const addons = await Promise.all(ids.map((id) => api.get<Addon>(`/addons/${encodeURIComponent(id)}`)));
  return addons.filter((a) => a.addon_service.name === service);
}
