import type { Command } from 'commander';
import type { Addon } from '../../../api-types.ts';
import type { Context } from '../../../context.ts';
import { cliError, CliErrorCodes } from '../../../errors.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';
import { findAddon } from '../../addons/info.ts';

/**
 * `platform pg:credentials:rotate [DATABASE] --confirm APP`: a new password for the database; the old one stops
 * working at once (its sessions end) and every attached app restarts with the new URL (a config release).
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:credentials:rotate').description("rotate a PostgreSQL add-on's password"))
    .argument('[database]', 'add-on name or attachment name', 'DATABASE')
    .option('-c, --confirm <app>', 'confirm with the name of the app that owns the add-on')
    .option('--json', 'output as JSON')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addon = await findAddon(api, app, name);
      if (addon.addon_service.name !== 'postgresql') {
        throw cliError(CliErrorCodes.badArgs, `${addon.name} is not a PostgreSQL add-on.`, 'Name a database: platform addons lists them.');
      }
      if (flags.confirm !== addon.app.name) {
        throw cliError(
          CliErrorCodes.confirmation,
          flags.confirm === undefined
            ? `This will end every connection made with the current password of ${addon.name} and restart the apps it is attached to.`
            : `Confirmation ${flags.confirm} did not match ${addon.app.name}. Aborted.`,
          `Re-run with --confirm ${addon.app.name} to proceed.`,
        );
      }
      const rotated = await ctx.action(`Rotating the credentials of ${addon.name}`, () =>
        api.post<Addon>(`/addons/${encodeURIComponent(addon.id)}/actions/rotate-credentials`, {}),
      );
      if (flags.json) printJson(ctx.out, rotated);
    });
}
