import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import { writeBuildpacks } from './shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('buildpacks:clear').description("clear the app's buildpacks (detection picks one at each build)"))
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      await writeBuildpacks(api, app, []);
      ctx.out(`Buildpacks cleared. Next release on ${ctx.style.app(app)} will detect its buildpack.`);
    });
}
