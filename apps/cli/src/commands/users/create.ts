import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { readAll } from '../../prompt.ts';
import { flagsOf, printJson } from '../shared.ts';
import type { UserJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('users:create')
    .description('create a user (admins only): with --password-stdin it can log in at once, else it gets a one-time invitation code')
    .argument('<email>', "the user's e-mail address")
    .option('--password-stdin', 'read the password from stdin')
    .option('--admin', 'make the user an admin')
    .option('--json', 'output as JSON')
    .action(async (email: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ passwordStdin?: boolean; admin?: boolean; json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const password = flags.passwordStdin ? (await readAll(ctx.io.stdin)).split(/\r?\n/)[0] : undefined;
      const user = await api.post<UserJson>('/users', { email, ...(password === undefined ? {} : { password }), ...(flags.admin ? { admin: true } : {}) });
      if (flags.json) return printJson(ctx.out, user);
      ctx.out(`Created ${user.email}${user.admin ? ' (admin)' : ''}.`);
      if (user.invite_code) {
        ctx.out(
          `Invitation code (works once, until ${user.invite_expires_at}): ${user.invite_code}`,
          `Hand it over; they run:  platform login --server ${api.server} --invite ${user.invite_code}`,
        );
      }
    });
}
