import type { Command } from 'commander';
import type { Addon } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';
import { findAddon } from '../addons/info.ts';

/**
 * `platform redis:credentials [DATABASE]` prints the add-on's URL (from the app's config, so it needs the right to
 * read config vars); `--reset --confirm APP` gives it a new password: the old one stops working at once (its
 * connections are closed) and every attached app restarts with the new URL (a config release), as Heroku's does.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('redis:credentials').description("show a Redis add-on's URL, or reset its password with --reset"))
    .argument('[database]', 'add-on name or attachment name', 'REDIS')
    .option('--reset', 'give the add-on a new password')
    .option('-c, --confirm <app>', 'confirm --reset with the name of the app that owns the add-on')
    .option('--json', 'output as JSON')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; confirm?: string; reset?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addon = await findAddon(api, app, name);
      if (addon.addon_service.name !== 'redis') throw cliError(CliErrorCodes.badArgs, `${addon.name} is not a Redis add-on.`, 'See them with: platform redis:info');
      if (!flags.reset) {
        const config = await api.get<Record<string, string | null>>(appPath(app, '/config-vars'));
        const url = addon.config_vars.map((v) => config[v]).find((v) => typeof v === 'string');
        if (!url) throw cliError(CliErrorCodes.badArgs, `${addon.name} is not attached to ${app}.`, 'See the attachments with: platform addons');
        return ctx.out(url);
      }
      if (flags.confirm !== addon.app.name) {
        throw cliError(
          CliErrorCodes.confirmation,
          flags.confirm === undefined
            ? `This will close every connection made with the current password of ${addon.name} and restart the apps it is attached to.`
            : `Confirmation ${flags.confirm} did not match ${addon.app.name}. Aborted.`,
          `Re-run with --confirm ${addon.app.name} to proceed.`,
        );
      }
      const rotated = await ctx.action(`Resetting the credentials of ${addon.name}`, () =>
        api.post<Addon>(`/addons/${encodeURIComponent(addon.id)}/actions/rotate-credentials`, {}),
      );
      if (flags.json) printJson(ctx.out, rotated);
    });
}
