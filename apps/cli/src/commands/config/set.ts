import type { Command } from 'commander';
import type { ConfigVars, Release } from '../../api-types.ts';
import { parseConfigSetArgs } from '../../args.ts';
import { appPath, type Context } from '../../context.ts';
import type { ApiClient } from '../../http.ts';
import { formatConfigVars } from '../../format/config.ts';
import { flagsOf, releaseFailed, withApp } from '../shared.ts';

/** The newest release, or undefined before the first (Heroku: `Range: version ..; order=desc,max=1`). */
export async function latestRelease(api: ApiClient, app: string): Promise<Release | undefined> {
  const [latest] = await api.get<Release[]>(appPath(app, '/releases'), {
    range: 'version ..; order=desc,max=1',
    partial: true,
  });
  return latest;
}

/**
 * Runs a config change and says which release it made: `v5`, or undefined when it made none (no build yet).
 * Throws PLT_CLI_RELEASE_FAILED (exit 1) when the change's release failed: the new config is stored, but the
 * dynos still run the previous release.
 */
export async function changeConfig(api: ApiClient, app: string, change: () => Promise<void>): Promise<string | undefined> {
  const before = (await latestRelease(api, app))?.version ?? 0;
  await change();
  const after = await latestRelease(api, app);
  if (!after || after.version <= before) return undefined;
  if (after.status === 'failed') throw releaseFailed(app, after.version);
  return `v${after.version}`;
}


export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('config:set')
      .alias('config:add')
      .description('set one or more config vars (creates a release and restarts the dynos)'),
  )
    .argument('<vars...>', 'KEY=value pairs')
    .action(async (args: string[], _opts, cmd: Command) => {
      const vars = parseConfigSetArgs(args);
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const keys = Object.keys(vars);
      let result: ConfigVars = {};
      await ctx.action(
        `Setting ${keys.join(', ')} and restarting ${ctx.style.app(app)}`,
        () =>
          changeConfig(api, app, async () => {
            result = await api.patch<ConfigVars>(appPath(app, '/config-vars'), vars);
          }),
        (v) => (v ? ctx.style.green(v) : undefined),
      );
      const shown: ConfigVars = {};
      for (const key of keys) shown[key] = result[key] ?? vars[key]!;
      ctx.out(...formatConfigVars(shown));
    });
}
