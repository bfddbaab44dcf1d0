import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import type { CollaboratorJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('access:update').description("change a collaborator's permissions"))
    .argument('<email>', "the user's e-mail address")
    .requiredOption('-p, --permissions <list>', 'comma-separated: view, deploy, operate, manage (view is always included)')
    .action(async (email: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ permissions: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const updated = await ctx.action(`Updating ${email} in ${ctx.style.app(app)}`, () =>
        api.patch<CollaboratorJson>(appPath(app, `/collaborators/${encodeURIComponent(email)}`), { permissions: flags.permissions }),
      );
      ctx.out(`Permissions: ${updated.permissions.map((p) => p.name).join(', ')}`);
    });
}
