import type { Command } from 'commander';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, withApp } from '../shared.ts';
import { pickEndpoint } from './index.ts';

/** `platform certs:remove [--name N] --confirm APP`: stops serving and deletes a certificate. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:remove').description('remove an SSL certificate'))
    .option('--name <name>', 'the certificate (needed when the app has more than one)')
    .option('-c, --confirm <app>', 'confirm the app name')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ name?: string; confirm?: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      if (flags.confirm !== app) {
        throw cliError(CliErrorCodes.confirmation, `This removes the app's SSL certificate: its domains are then served over HTTP only.`, `Re-run with --confirm ${app} to proceed.`);
      }
      const endpoint = await pickEndpoint(api, app, flags.name);
      await ctx.action(`Removing SSL certificate ${endpoint.name} from ${ctx.style.app(app)}`, () =>
        api.delete(appPath(app, `/sni-endpoints/${encodeURIComponent(endpoint.id)}`)),
      );
    });
}
