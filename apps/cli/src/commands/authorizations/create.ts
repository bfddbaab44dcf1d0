import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, printJson } from '../shared.ts';
import { expiryText, type AuthorizationJson } from './index.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('authorizations:create')
    .description('create a personal API token (printed once: store it now)')
    .option('-d, --description <text>', 'what the token is for, e.g. "CI deploys"')
    .option('-e, --expires-in <seconds>', 'seconds until it stops working (default: never)')
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ description?: string; expiresIn?: string; json?: boolean }>(cmd);
      let expires: number | undefined;
      if (flags.expiresIn !== undefined) {
        expires = Number(flags.expiresIn);
        if (!/^\d+$/.test(flags.expiresIn) || expires < 1) throw cliError(CliErrorCodes.badArgs, '--expires-in must be a whole number of seconds.');
      }
      const created = await (await ctx.api(flags)).post<AuthorizationJson>('/oauth/authorizations', {
        ...(flags.description === undefined ? {} : { description: flags.description }),
        ...(expires === undefined ? {} : { expires_in: expires }),
      });
      if (flags.json) return printJson(ctx.out, created);
      ctx.out(`Created token ${created.id} (${created.description}, ${expiryText(created)}):`, created.access_token.token ?? '');
    });
}
