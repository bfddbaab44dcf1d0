import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { addonsOfService } from '../addons/info.ts';
import { formatRedisInfo } from '../../format/redis.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform redis:info [DATABASE]`: each Redis add-on of the app (or one): plan, status, creation, memory, persistence. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('redis:info').description("show the app's Redis add-ons"))
    .argument('[database]', 'add-on name or attachment name (default: all)')
    .option('--json', 'output as JSON')
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const addons = await addonsOfService(api, app, 'redis', name);
      if (flags.json) return printJson(ctx.out, addons);
      if (addons.length === 0) return ctx.out(`${app} has no Redis add-ons.`);
      ctx.out(...addons.flatMap((a, i) => [...(i ? [''] : []), ...formatRedisInfo(a)]));
    });
}
