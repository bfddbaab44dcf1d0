import type { Command } from 'commander';
import type { App, Dyno } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatAppInfo } from '../../format/apps.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('apps:info').alias('info').description('show detailed app information'))
    .argument('[app]', 'app name (same as --app)')
    .option('--json', 'output as JSON')
    .action(async (appArg: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const name = appArg ?? (await ctx.app(flags));
      const app = await api.get<App>(appPath(name));
      if (flags.json) return printJson(ctx.out, app);
      // The dyno summary is a nicety: an older server without /dynos still gets the rest.
      const [dynos, collaborators, addons, domains] = await Promise.all([
        api.get<Dyno[]>(appPath(app.name, '/dynos')).catch(() => undefined),
        api.get<Array<{ user: { email: string } }>>(appPath(app.name, '/collaborators')).catch(() => undefined),
        api.get<Array<{ name: string; plan: { name: string } }>>(appPath(app.name, '/addons')).catch(() => undefined),
        api.get<Array<{ hostname: string; kind: string }>>(appPath(app.name, '/domains')).catch(() => undefined),
      ]);
      ctx.out(
        ...formatAppInfo(app, dynos, ctx.style, {
          collaborators: collaborators?.map((c) => c.user.email),
          addons: addons?.map((a) => `${a.name} (${a.plan.name})`),
          domains: domains?.filter((d) => d.kind === 'custom').map((d) => d.hostname),
        }),
      );
    });
}
