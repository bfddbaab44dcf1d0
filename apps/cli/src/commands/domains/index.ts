import type { Command } from 'commander';
import type { Domain } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatDomains } from '../../format/domains.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform domains`: the app's default domain and its custom ones with their DNS targets. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('domains').description("list the app's domains"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const domains = await api.get<Domain[]>(appPath(app, '/domains'));
      if (flags.json) printJson(ctx.out, domains);
      else ctx.out(...formatDomains(app, domains, ctx.style));
    });
}
