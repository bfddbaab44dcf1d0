import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import type { DrainJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('drains:add').description('add a log drain: syslog://, syslog+tls:// or https://'))
    .argument('<url>', 'drain URL, e.g. syslog+tls://logs.example.com:6514 or https://user:pass@logs.example.com/drain')
    .action(async (url: string, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const drain = await api.post<DrainJson>(appPath(app, '/log-drains'), { url });
      ctx.out(`Successfully added drain ${drain.url}`);
    });
}
