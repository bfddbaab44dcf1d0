import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';
import { printBuildpacks, readBuildpacks } from './shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('buildpacks').description("list the app's buildpacks (none set: detected at each build)"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const names = await readBuildpacks(api, app);
      if (flags.json) return printJson(ctx.out, names);
      printBuildpacks(ctx, app, names);
    });
}
