import type { Command } from 'commander';
import { appPath, type Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { flagsOf, printJson } from './shared.ts';

interface AuditJson {
  created_at: string;
  action: string;
  user: { email: string | null } | null;
  source_address: string | null;
  request_id: string | null;
  app: { name: string } | null;
  details: Record<string, unknown>;
}

export function register(program: Command, ctx: Context): void {
  program
    .command('audit')
    .description("the audit trail, newest first: every change with who, when and from where (admins: all; -a APP: that app's, for its managers)")
    .option('-a, --app <app>', "only this app's events")
    .option('-n, --num <n>', 'how many events (1 to 1000, default 100)')
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ num?: string; json?: boolean }>(cmd);
      if (flags.num !== undefined && !/^\d+$/.test(flags.num)) throw cliError(CliErrorCodes.badArgs, '-n must be a whole number from 1 to 1000.');
      const query = flags.num ? `?limit=${flags.num}` : '';
      const api = await ctx.api(flags);
      const events = await api.get<AuditJson[]>(flags.app ? appPath(flags.app, `/audit${query}`) : `/audit${query}`);
      if (flags.json) return printJson(ctx.out, events);
      ctx.out(
        ...events.map((e) => {
          const details = Object.entries(e.details)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          return `${e.created_at}  ${e.user?.email ?? '-'}  ${e.source_address ?? '-'}  ${e.action}${e.app ? ` ${e.app.name}` : ''}${details ? `  ${details}` : ''}`;
        }),
      );
    });
}
