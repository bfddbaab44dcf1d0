import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

/** `platform domains:remove HOST`: stops routing a custom domain to the app. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('domains:remove').description('remove a custom domain'))
    .argument('<hostname>', 'the domain, e.g. www.example.com')
    .action(async (hostname: string, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      await ctx.action(`Removing ${hostname} from ${ctx.style.app(app)}`, () =>
        api.delete(appPath(app, `/domains/${encodeURIComponent(hostname)}`)),
      );
    });
}
