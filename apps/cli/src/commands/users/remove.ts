import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';
import type { UserJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('users:remove')
    .description('remove a user (admins only); one who owns apps must transfer or destroy them first')
    .argument('<email>', "the user's e-mail address")
    .action(async (email: string, _opts, cmd: Command) => {
      const user = await (await ctx.api(flagsOf(cmd))).delete<UserJson>(`/users/${encodeURIComponent(email)}`);
      ctx.out(`Removed ${user.email}.`);
    });
}
