import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import type { DrainJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('drains:remove').description('remove a log drain by URL or token'))
    .argument('<url-or-token>', 'the drain URL or its token (d.…)')
    .action(async (which: string, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const drain = await api.delete<DrainJson>(appPath(app, `/log-drains/${encodeURIComponent(which)}`));
      ctx.out(`Successfully removed drain ${drain.url}`);
    });
}
