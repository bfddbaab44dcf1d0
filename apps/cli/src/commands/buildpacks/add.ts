import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import { parseIndex, printBuildpacks, readBuildpacks, writeBuildpacks } from './shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('buildpacks:add').description('add a buildpack to the app (several run in order: multi-buildpack)'))
    .argument('<name>', 'an installed buildpack, e.g. nodejs, python, static, procfile')
    .option('-i, --index <n>', 'insert at this position (1-based) instead of last')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ index?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const current = await readBuildpacks(api, app);
      const at = flags.index === undefined ? current.length : parseIndex(flags.index, current.length);
      const stored = await writeBuildpacks(api, app, [...current.slice(0, at), name, ...current.slice(at)]);
      ctx.out(`Buildpack added. Next release on ${ctx.style.app(app)} will use ${stored.join(', ')}.`, 'Run git push platform main to create a new release using these buildpacks.');
      printBuildpacks(ctx, app, stored);
    });
}
