import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('access:remove').description("take a user's access to the app away (its open sessions on the app close)"))
    .argument('<email>', "the user's e-mail address")
    .action(async (email: string, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      await ctx.action(`Removing ${email} access from ${ctx.style.app(app)}`, () => api.delete(appPath(app, `/collaborators/${encodeURIComponent(email)}`)));
    });
}
