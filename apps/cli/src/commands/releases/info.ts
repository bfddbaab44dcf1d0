import type { Command } from 'commander';
import type { ConfigVars, Release } from '../../api-types.ts';
import { parseReleaseRef } from '../../args.ts';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import type { ApiClient } from '../../http.ts';
import { formatConfigVars } from '../../format/config.ts';
import { formatReleaseInfo } from '../../format/releases.ts';
import { formatShellVars } from '../../format/shell.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** A release by `vN`/`N`/id, or the newest one when `ref` is undefined. */
export async function findRelease(api: ApiClient, app: string, ref: string | undefined): Promise<Release> {
  if (ref !== undefined) {
    return api.get<Release>(appPath(app, `/releases/${encodeURIComponent(String(parseReleaseRef(ref)))}`));
  }
  const [latest] = await api.get<Release[]>(appPath(app, '/releases'), {
    range: 'version ..; order=desc,max=1',
    partial: true,
  });
  if (!latest) throw cliError(CliErrorCodes.badArgs, `No releases on ${app}.`, 'Deploy with git push first.');
  return latest;
}

export function register(program: Command, ctx: Context): void {
  withApp(program.command('releases:info').description('show details of a release (default: the newest)'))
    .argument('[release]', 'release version, e.g. v12')
    .option('-s, --shell', 'print the config vars as KEY=value (shows values)')
    .option('--values', 'show config var values, not only their names')
    .option('--json', 'output as JSON')
    .action(async (ref: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ shell?: boolean; json?: boolean; values?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const release = await findRelease(api, app, ref);
      if (flags.json) return printJson(ctx.out, release);
      const vars = await api.get<ConfigVars>(appPath(app, `/releases/${release.version}/config-vars`));
      // Names only unless asked: release details get pasted into tickets and shared screens.
      const configLines = flags.shell ? formatShellVars(vars) : flags.values ? formatConfigVars(vars) : Object.keys(vars).sort();
      ctx.out(...formatReleaseInfo(release, configLines, ctx.style));
    });
}
