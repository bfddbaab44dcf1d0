import type { Command } from 'commander';
import type { ConfigVars, Release } from '../../api-types.ts';
import { parseConfigSetArgs } from '../../args.ts';
import { appPath, type Context } from '../../context.ts';
import type { ApiClient } from '../../http.ts';
import { formatConfigVars } from '../../format/config.ts';
import { flagsOf, withApp } from '../shared.ts';

/** The newest release's version, read after a change (Heroku: `Range: version ..; order=desc,max=1`). */
export async function latestVersion(api: ApiClient, app: string): Promise<string | undefined> {
  const [latest] = await api.get<Release[]>(appPath(app, '/releases'), {
    range: 'version ..; order=desc,max=1',
    partial: true,
  });
  return latest ? `v${latest.version}` : undefined;
}

export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('config:set')
      .alias('config:add')
      .description('set one or more config vars (creates a release and restarts the dynos)'),
  )
    .argument('<vars...>', 'KEY=value pairs')
    .action(async (args: string[], _opts, cmd: Command) => {
      const vars = parseConfigSetArgs(args);
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const keys = Object.keys(vars);
      let result: ConfigVars = {};
      await ctx.action(
        `Setting ${keys.join(', ')} and restarting ${ctx.style.app(app)}`,
        async () => {
          result = await api.patch<ConfigVars>(appPath(app, '/config-vars'), vars);
          return latestVersion(api, app);
        },
        (v) => (v ? ctx.style.green(v) : undefined),
      );
      const shown: ConfigVars = {};
      for (const key of keys) shown[key] = result[key] ?? vars[key]!;
      ctx.out(...formatConfigVars(shown));
    });
}
