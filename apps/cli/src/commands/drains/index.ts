import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

export interface DrainJson {
  id: string;
  url: string;
  token: string;
  addon: null | { id: string; name: string };
}

export function register(program: Command, ctx: Context): void {
  withApp(program.command('drains').description("list the app's log drains"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const drains = await api.get<DrainJson[]>(appPath(app, '/log-drains'));
      if (flags.json) return printJson(ctx.out, drains);
      if (drains.length === 0) return ctx.out(`${ctx.style.app(app)} has no drains.`);
      ctx.out('=== Drains', ...drains.map((d) => `${d.url} (${d.token})`));
    });
}
