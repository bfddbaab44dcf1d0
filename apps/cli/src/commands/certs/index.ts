import type { Command } from 'commander';
import type { SniEndpoint } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { formatCerts } from '../../format/certs.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `platform certs`: the app's uploaded certificates (SNI endpoints). */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs').description("list the app's SSL certificates"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const endpoints = await api.get<SniEndpoint[]>(appPath(app, '/sni-endpoints'));
      if (flags.json) return printJson(ctx.out, endpoints);
      if (endpoints.length === 0) return ctx.out(`${ctx.style.app(app)} has no SSL certificates.`, 'Use platform certs:add CRT KEY to add one.');
      ctx.out(...formatCerts(endpoints));
      for (const e of endpoints) for (const w of e.warnings ?? []) ctx.warn(`${e.name}: ${w}`);
    });
}

/** The endpoint a command acts on: `--name`, else the app's only one. */
export async function pickEndpoint(api: { get<T>(path: string): Promise<T> }, app: string, name: string | undefined): Promise<SniEndpoint> {
  if (name) return api.get<SniEndpoint>(appPath(app, `/sni-endpoints/${encodeURIComponent(name)}`));
  const all = await api.get<SniEndpoint[]>(appPath(app, '/sni-endpoints'));
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw cliError(CliErrorCodes.usage, 'The app has no SSL certificates.', 'Add one with platform certs:add CRT KEY.');
  throw cliError(CliErrorCodes.usage, 'The app has more than one SSL certificate.', `Name one with --name (${all.map((e) => e.name).join(', ')}).`);
}
