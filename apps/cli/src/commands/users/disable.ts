import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';
import type { UserJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('users:disable')
    .description("disable a user (admins only): its tokens and password stop working, its open sessions close")
    .argument('<email>', "the user's e-mail address")
    .option('--enable', 'enable the user again instead')
    .action(async (email: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ enable?: boolean }>(cmd);
      const user = await (await ctx.api(flags)).patch<UserJson>(`/users/${encodeURIComponent(email)}`, { disabled: !flags.enable });
      ctx.out(`${user.email} is ${user.state === 'disabled' ? 'disabled' : 'enabled'}.`);
    });
}
