import type { Command } from 'commander';
import type { ConfigVars } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { shellQuote } from '../../format/shell.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(
    program.command('config:get').description('display the value of config vars (an empty line when unset)'),
  )
    .argument('<keys...>', 'config var names')
    .option('-s, --shell', 'output as KEY=value')
    .option('-j, --json', 'output as JSON ([{key, value}])')
    .action(async (keys: string[], _opts, cmd: Command) => {
      const flags = flagsOf<{ shell?: boolean; json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const vars = await api.get<ConfigVars>(appPath(await ctx.app(flags), '/config-vars'));
      if (flags.json)
        return printJson(
          ctx.out,
          keys.map((key) => ({ key, value: vars[key] ?? null })),
        );
      for (const key of keys) {
        const value = vars[key] ?? '';
        ctx.out(flags.shell ? `${key}=${shellQuote(value)}` : value);
      }
    });
}
