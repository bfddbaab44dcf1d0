import type { Command } from 'commander';
import type { Domain } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform domains:add HOST`: routes a custom domain to the app and says where its DNS record must point. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('domains:add').description('add a custom domain (www.example.com, or *.example.com for a wildcard)'))
    .argument('<hostname>', 'the domain, e.g. www.example.com')
    .option('--json', 'output as JSON')
    .action(async (hostname: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const domain = await ctx.action(`Adding ${hostname} to ${ctx.style.app(app)}`, () => api.post<Domain>(appPath(app, '/domains'), { hostname }));
      if (flags.json) return printJson(ctx.out, domain);
      ctx.warn(`Configure your app's DNS provider to point to the DNS Target ${domain.cname ?? ''}`);
      ctx.warn(`(a CNAME record for ${domain.hostname}, or an ALIAS/ANAME record at a zone apex).`);
      ctx.out('', `The domain ${domain.hostname} has been added.`, `Run platform domains:wait '${domain.hostname}' to wait until it is ready.`);
    });
}
