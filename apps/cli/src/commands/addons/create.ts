import type { Command } from 'commander';
import type { Addon } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/**
 * `platform addons:create postgresql[:plan] [--as NAME]`: provisions an add-on and attaches it as `DATABASE_URL`
 * (or `<NAME>_URL`); the config change is a new release, and the app restarts with it.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('addons:create').description('create an add-on and attach it to the app (e.g. postgresql)'))
    .argument('<service:plan>', 'the service and, optionally, its plan: postgresql, heroku-postgresql, postgresql:dev')
    .option('--as <name>', 'attachment name: the config var is <NAME>_URL')
    .option('--json', 'output as JSON')
    .action(async (plan: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean; as?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const body = { plan, ...(flags.as === undefined ? {} : { attachment: { name: flags.as } }) };
      const addon = await ctx.action(`Creating ${plan} on ${ctx.style.app(app)}`, () => api.post<Addon>(appPath(app, '/addons'), body), () => 'free');
      if (flags.json) return printJson(ctx.out, addon);
      ctx.out(`Created ${addon.name} as ${addon.config_vars.join(', ')}`, `Use platform addons:info ${addon.name} to see it.`);
    });
}
