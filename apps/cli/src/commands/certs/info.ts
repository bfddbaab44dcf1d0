import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { formatCertDetails } from '../../format/certs.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';
import { pickEndpoint } from './index.ts';

/** `platform certs:info [--name N]`: one certificate's details. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:info').description("show an SSL certificate's details"))
    .option('--name <name>', 'the certificate (needed when the app has more than one)')
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ name?: string; json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const endpoint = await pickEndpoint(api, app, flags.name);
      if (flags.json) return printJson(ctx.out, endpoint);
      ctx.out(`=== ${endpoint.name} (${ctx.style.app(app)})`, ...formatCertDetails(endpoint));
      for (const w of endpoint.warnings ?? []) ctx.warn(w);
    });
}
