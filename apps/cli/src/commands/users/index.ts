import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf, printJson } from '../shared.ts';

/** `/users` as the CLI reads it (admins only). */
export interface UserJson {
  id: string;
  email: string;
  admin: boolean;
  state: 'active' | 'invited' | 'disabled';
  invite_code?: string | null;
  invite_expires_at?: string | null;
}

export function register(program: Command, ctx: Context): void {
  program
    .command('users')
    .description('list the users of this platform (admins only)')
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const users = await (await ctx.api(flags)).get<UserJson[]>('/users');
      if (flags.json) return printJson(ctx.out, users);
      const width = Math.max(0, ...users.map((u) => u.email.length));
      ctx.out(...users.map((u) => `${u.email.padEnd(width)}  ${u.state}${u.admin ? '  admin' : ''}`));
    });
}
