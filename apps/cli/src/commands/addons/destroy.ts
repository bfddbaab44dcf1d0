import type { Command } from 'commander';
import type { Addon } from '../../api-types.ts';
import type { Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';
import { findAddon } from './info.ts';

/**
 * `platform addons:destroy ADDON --confirm APP`: removes the add-on's config vars (a release and a restart), then
 * the add-on itself — for PostgreSQL, its database and every row in it.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons:destroy').alias('addons:remove').description('permanently destroy an add-on and its data'))
    .argument('<addon>', 'add-on name or id (or its attachment name, e.g. DATABASE)')
    .option('-c, --confirm <app>', 'confirm with the name of the app that owns the add-on')
    .option('--json', 'output as JSON')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addon = await findAddon(api, app, name);
      if (flags.confirm !== addon.app.name) {
        throw cliError(
          CliErrorCodes.confirmation,
          flags.confirm === undefined
            ? `This will permanently destroy ${addon.name} and all its data, and remove ${addon.config_vars.join(', ') || 'its config vars'} from ${addon.app.name}.`
            : `Confirmation ${flags.confirm} did not match ${addon.app.name}. Aborted.`,
          `Re-run with --confirm ${addon.app.name} to proceed.`,
        );
      }
      const gone = await ctx.action(`Destroying ${addon.name} on ${ctx.style.app(addon.app.name)}`, () => api.delete<Addon>(`/addons/${encodeURIComponent(addon.id)}`));
      if (flags.json) printJson(ctx.out, gone);
    });
}
