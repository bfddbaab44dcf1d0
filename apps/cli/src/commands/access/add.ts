import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import type { CollaboratorJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('access:add').description('give a user access to the app'))
    .argument('<email>', "the user's e-mail address")
    .option('-p, --permissions <list>', 'comma-separated: view, deploy, operate, manage (default: all; view is always included)')
    .action(async (email: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ permissions?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const added = await ctx.action(`Adding ${email} access to ${ctx.style.app(app)}`, () =>
        api.post<CollaboratorJson>(appPath(app, '/collaborators'), { user: email, ...(flags.permissions ? { permissions: flags.permissions } : {}) }),
      );
      ctx.out(`Permissions: ${added.permissions.map((p) => p.name).join(', ')}`);
    });
}
