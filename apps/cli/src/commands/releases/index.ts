import { InvalidArgumentError, type Command } from 'commander';
import type { Release } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatReleases } from '../../format/releases.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('Must be a whole number from 1 to 1000.');
  return n;
}

export function register(program: Command, ctx: Context): void {
  withApp(program.command('releases').description('list the releases of an app, newest first'))
    .option('-n, --num <n>', 'number of releases to show', parseCount, 15)
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ num: number; json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const releases = await api.get<Release[]>(appPath(app, '/releases'), {
        range: `version ..; max=${flags.num}, order=desc`,
        partial: true,
      });
      if (flags.json) printJson(ctx.out, releases);
      else ctx.out(...formatReleases(app, releases, ctx.style, ctx.time()));
    });
}
