import type { Command } from 'commander';
import type { App } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { addRemote, isGitRepo, listRemotes, removeRemote } from '../../git.ts';
import { flagsOf, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('apps:rename').description('rename the app (needs manage): its git URL and host change, its dynos restart'))
    .argument('<newname>', 'the new name')
    .action(async (newName: string, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const renamed = await ctx.action(`Renaming ${ctx.style.app(app)} to ${ctx.style.app(newName)}`, () => api.patch<App>(appPath(app), { name: newName }));
      ctx.out(`${renamed.web_url ?? ''} | ${renamed.git_url ?? ''}`.replace(/^ \| /, ''));
      // The git remotes of this clone that pointed at the old URL now point at the new one (as the Heroku CLI does).
      const gitOpts = { cwd: ctx.io.cwd, env: ctx.io.env };
      if (!(await isGitRepo(gitOpts))) return;
      const oldUrl = `${api.server}/${app}.git`;
      for (const remote of (await listRemotes(gitOpts)).filter((r) => r.url === oldUrl)) {
        await removeRemote(remote.name, gitOpts);
        await addRemote(remote.name, `${api.server}/${renamed.name}.git`, gitOpts);
        ctx.out(`Git remote ${remote.name} updated`);
      }
    });
}
