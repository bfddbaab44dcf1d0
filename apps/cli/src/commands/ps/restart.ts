import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import { parseDynoTarget } from './target.ts';

export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('ps:restart')
      .alias('restart')
      .description('restart all dynos, one process type, or one dyno'),
  )
    .argument('[dyno-or-type]', 'dyno name (web.1) or process type (web)')
    .option('-d, --dyno-name <name>', 'the dyno to restart')
    .option('-p, --process-type <type>', 'the process type to restart')
    .action(async (positional: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ dynoName?: string; processType?: string }>(cmd);
      const target = parseDynoTarget(positional, flags);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const on = `on ${ctx.style.app(app)}`;
      if (target.kind === 'all') {
        await ctx.action(`Restarting all dynos ${on}`, () => api.delete(appPath(app, '/dynos')));
      } else if (target.kind === 'dyno') {
        await ctx.action(`Restarting dyno ${target.name} ${on}`, () =>
          api.delete(appPath(app, `/dynos/${encodeURIComponent(target.name)}`)),
        );
      } else {
        await ctx.action(`Restarting ${target.type} dynos ${on}`, () =>
          api.delete(appPath(app, `/formations/${encodeURIComponent(target.type)}`)),
        );
      }
    });
}
