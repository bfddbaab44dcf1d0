import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { prompt, readAll } from '../../prompt.ts';
import { flagsOf } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('auth:password')
    .description('set your password (the current one is asked for once one is set); from stdin: NEW, or CURRENT and NEW on two lines')
    .action(async (_opts, cmd: Command) => {
      const api = await ctx.api(flagsOf(cmd));
      let current: string;
      let password: string;
      if (ctx.io.stdin.isTTY) {
        current = await prompt(ctx, 'Current password (Enter if none): ', true);
        password = await prompt(ctx, 'New password: ', true);
        if ((await prompt(ctx, 'Repeat the new password: ', true)) !== password) throw cliError(CliErrorCodes.badArgs, 'The passwords differ.');
      } else {
        const lines = (await readAll(ctx.io.stdin)).split(/\r?\n/).filter((l) => l !== '');
        [current, password] = lines.length >= 2 ? [lines[0]!, lines[1]!] : ['', lines[0] ?? ''];
      }
      await api.patch('/account', { password, ...(current ? { current_password: current } : {}) });
      ctx.out('Password set. Log in elsewhere with: platform login --email <you>');
    });
}
