import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf, withApp } from '../shared.ts';
import { parseIndex, printBuildpacks, readBuildpacks, writeBuildpacks } from './shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(program.command('buildpacks:set').description("set the app's buildpack (used from the next build on, without detection)"))
    .argument('<name>', 'an installed buildpack, e.g. nodejs, python, static, procfile')
    .option('-i, --index <n>', 'replace the buildpack at this position (1-based) instead of the whole list')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ index?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      let names = [name];
      if (flags.index !== undefined) {
        const current = await readBuildpacks(api, app);
        const at = parseIndex(flags.index, current.length);
        names = at < current.length ? current.map((n, i) => (i === at ? name : n)) : [...current, name];
      }
      const stored = await writeBuildpacks(api, app, names);
      ctx.out(`Buildpack set. Next release on ${ctx.style.app(app)} will use ${name}.`, 'Run git push platform main to create a new release using this buildpack.');
      printBuildpacks(ctx, app, stored);
    });
}
