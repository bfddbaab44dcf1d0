import type { Command } from 'commander';
import type { App } from '../../api-types.ts';
import type { Context } from '../../context.ts';
import { addRemote, isGitRepo, listRemotes } from '../../git.ts';
import { flagsOf, printJson } from '../shared.ts';

interface Flags {
  remote: string | false;
  json?: boolean;
}

export function register(program: Command, ctx: Context): void {
  program
    .command('apps:create')
    .description('create a new app (and a git remote for it when run in a git repository)')
    .argument('[name]', 'app name (3-30 lowercase letters, digits and dashes); random when left out')
    .option('-r, --remote <remote>', 'name of the git remote to create', 'platform')
    .option('-n, --no-remote', 'do not create a git remote')
    .option('--json', 'output as JSON')
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<Flags>(cmd);
      const api = await ctx.api(flags);
      const body = name ? { name } : {};
      const create = () => api.post<App>('/apps', body);
      const app = flags.json
        ? await create()
        : name
          ? await ctx.action(`Creating ${ctx.style.app(name)}`, create)
          : await ctx.action('Creating app', create, (a) => ctx.style.app(a.name));
      // The git URL is always `<server>/<app>.git`: that is what app resolution matches.
      const gitUrl = `${api.server}/${app.name}.git`;
      let remoteNote: string | undefined;
      const gitOpts = { cwd: ctx.io.cwd, env: ctx.io.env };
      const remoteName = cmd.opts<Flags>().remote; // string | false (--no-remote); GlobalFlags types it as string
      if (remoteName !== false && (await isGitRepo(gitOpts))) {
        const existing = (await listRemotes(gitOpts)).find((r) => r.name === remoteName);
        if (existing) {
          remoteNote = `Git remote ${remoteName} already exists (${existing.url}); left unchanged.`;
        } else {
          await addRemote(remoteName, gitUrl, gitOpts);
        }
      }
      if (flags.json) printJson(ctx.out, app);
      else ctx.out(`${app.web_url ?? ''} | ${gitUrl}`.replace(/^ \| /, ''));
      if (remoteNote) ctx.warn(remoteNote);
    });
}
