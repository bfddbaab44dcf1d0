import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';
import type { AuthorizationJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('authorizations:revoke')
    .description('revoke one of your personal API tokens (effective on its next request; its open log tails close)')
    .argument('<id>', 'the token id (platform authorizations lists them)')
    .action(async (id: string, _opts, cmd: Command) => {
      const revoked = await (await ctx.api(flagsOf(cmd))).delete<AuthorizationJson>(`/oauth/authorizations/${encodeURIComponent(id)}`);
      ctx.out(`Revoked token ${revoked.id} (${revoked.description}).`);
    });
}
