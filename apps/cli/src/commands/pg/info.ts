import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { addonsOfService } from '../addons/info.ts';
import { formatPgInfo } from '../../format/addons.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform pg:info [DATABASE]`: each PostgreSQL database of the app (or one): plan, status, creation, name. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:info').description("show the app's PostgreSQL databases"))
    .argument('[database]', 'add-on name or attachment name (default: all)')
    .option('--json', 'output as JSON')
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addons = await addonsOfService(api, app, 'postgresql', name);
      if (flags.json) return printJson(ctx.out, addons);
      if (addons.length === 0) return ctx.out(`${app} has no PostgreSQL databases.`);
      ctx.out(...addons.flatMap((a, i) => [...(i ? [''] : []), ...formatPgInfo(a)]));
    });
}
