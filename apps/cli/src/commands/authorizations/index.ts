import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf, printJson } from '../shared.ts';

/** `/oauth/authorizations` as the CLI reads it. */
export interface AuthorizationJson {
  id: string;
  description: string;
  access_token: { token: string | null; expires_in: number | null };
  last_used_at?: string | null;
  created_at: string;
}

export function expiryText(a: AuthorizationJson): string {
  const s = a.access_token.expires_in;
  if (s === null) return 'never expires';
  return s >= 86_400 ? `expires in ${Math.floor(s / 86_400)} days` : s >= 3600 ? `expires in ${Math.floor(s / 3600)} hours` : `expires in ${s} seconds`;
}

export function register(program: Command, ctx: Context): void {
  program
    .command('authorizations')
    .description('list your personal API tokens (without their secrets)')
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const list = await (await ctx.api(flags)).get<AuthorizationJson[]>('/oauth/authorizations');
      if (flags.json) return printJson(ctx.out, list);
      const width = Math.max(0, ...list.map((a) => a.description.length));
      ctx.out(...list.map((a) => `${a.description.padEnd(width)}  ${a.id}  ${expiryText(a)}`));
    });
}
