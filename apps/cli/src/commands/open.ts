import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import type { App } from '../api-types.ts';
import { appPath, type Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { flagsOf, withApp } from './shared.ts';

async function findOnPath(command: string, pathEnv: string | undefined): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export function register(program: Command, ctx: Context): void {
  withApp(program.command('open').description("print the app's URL (and open it in a browser on a desktop)"))
    .argument('[path]', 'path to append to the URL')
    .action(async (path: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await api.get<App>(appPath(await ctx.app(flags)));
      if (!app.web_url) throw cliError(CliErrorCodes.api, `${app.name} has no web URL.`);
      const url = path
        ? new URL(path.replace(/^\/+/, ''), app.web_url.replace(/\/?$/, '/')).href
        : app.web_url;
      ctx.out(url);
      const opener = ctx.io.stdout.isTTY ? await findOnPath('xdg-open', ctx.io.env.PATH) : undefined;
      if (opener)
        (await import('node:child_process'))
          .spawn(opener, [url], { detached: true, stdio: 'ignore' })
          .on('error', () => undefined)
          .unref();
    });
}
