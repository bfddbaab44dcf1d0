import type { Command } from 'commander';
import type { App } from '../../api-types.ts';
import type { Context } from '../../context.ts';
import { formatApps } from '../../format/apps.ts';
import { flagsOf, printJson } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('apps')
    .description('list your apps')
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const apps = await (await ctx.api(flags)).get<App[]>('/apps');
      if (flags.json) printJson(ctx.out, apps);
      else ctx.out(...formatApps(apps));
    });
}
