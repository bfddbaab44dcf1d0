import type { Command } from 'commander';
import type { App, Domain } from '../../../api-types.ts';
import { appPath, type Context } from '../../../context.ts';
import { header, table } from '../../../format/style.ts';
import { certDate } from '../../../format/certs.ts';
import { flagsOf, printJson, withApp } from '../../shared.ts';

const STATUS: Record<string, string> = { 'cert issued': 'OK', pending: 'Pending', failing: 'Failing' };

/** `platform certs:auto`: whether ACM is on, and each custom domain's certificate status (OK, Pending, Failing + why). */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:auto').description('show the status of automatic certificates (ACM) per domain'))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const [info, domains] = await Promise.all([api.get<App>(appPath(app)), api.get<Domain[]>(appPath(app, '/domains'))]);
      const custom = domains.filter((d) => d.kind !== 'heroku');
      if (flags.json) return printJson(ctx.out, { acm: info.acm ?? false, domains: custom });
      if (!info.acm) return ctx.out(`${header(`Automatic Certificate Management is disabled on ${ctx.style.app(app)}`)}`, 'Enable it with platform certs:auto:enable.');
      const lines = [header(`Automatic Certificate Management is enabled on ${ctx.style.app(app)}`)];
      if (custom.length === 0) return ctx.out(...lines, '', 'The app has no custom domains: add one with platform domains:add.');
      const rows = custom.map((d) => [d.hostname, STATUS[d.acm_status ?? ''] ?? (d.acm_status ?? ''), d.acm_status === 'cert issued' ? '' : (d.acm_status_reason ?? ''), certDate(d.updated_at)]);
      ctx.out(...lines, '', ...table([['Domain', 'Status', 'Reason', 'Last Updated'], ...rows]));
    });
}
