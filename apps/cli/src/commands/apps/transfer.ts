import type { Command } from 'commander';
import type { App } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('apps:transfer').description('give the app to another user (owner or admin only); you stay a collaborator'))
    .argument('<email>', "the new owner's e-mail address")
    .action(async (email: string, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      await ctx.action(`Transferring ${ctx.style.app(app)} to ${email}`, () => api.patch<App>(appPath(app), { owner: email }));
    });
}
