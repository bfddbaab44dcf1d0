import type { Command } from 'commander';
import type { Account } from '../../api-types.ts';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('auth:whoami')
    .description('display the account the token belongs to')
    .action(async (_opts, cmd: Command) => {
      const api = await ctx.api(flagsOf(cmd));
      const account = await api.get<Account>('/account');
      ctx.out(account.email || account.id);
    });
}
