import type { Command } from 'commander';
import type { Context } from '../context.ts';
import { deleteNetrcEntry } from '../netrc.ts';
import { flagsOf } from './shared.ts';

export function register(program: Command, ctx: Context): void {
  program
    .command('logout')
    .description('forget the API token for the server (removes its ~/.netrc entry)')
    .action(async (_opts, cmd: Command) => {
      const server = await ctx.server(flagsOf(cmd));
      await ctx.action('Logging out', () => deleteNetrcEntry(ctx.home, new URL(server).hostname));
      if (ctx.io.env.PLATFORM_API_KEY)
        ctx.warn('PLATFORM_API_KEY is set in the environment and is still used; unset it too.');
    });
}
