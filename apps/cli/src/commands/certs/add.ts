import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { SniEndpoint } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { formatCertDetails } from '../../format/certs.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

async function readPem(ctx: Context, file: string, what: string): Promise<string> {
  try {
    return await readFile(path.resolve(ctx.io.cwd, file), 'utf8');
  } catch (err) {
    throw cliError(CliErrorCodes.badArgs, `Cannot read the ${what} ${file}: ${(err as Error).message}`, undefined, {}, err);
  }
}

/** `platform certs:add CRT KEY`: uploads a certificate (leaf then intermediates) and its private key. */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('certs:add').description('add an SSL certificate (PEM: the certificate then its intermediates) and its private key'))
    .argument('<crt>', 'PEM certificate chain file')
    .argument('<key>', 'PEM private key file')
    .option('--json', 'output as JSON')
    .action(async (crt: string, key: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const [chain, privateKey] = [await readPem(ctx, crt, 'certificate'), await readPem(ctx, key, 'private key')];
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const endpoint = await ctx.action(`Adding SSL certificate to ${ctx.style.app(app)}`, () =>
        api.post<SniEndpoint>(appPath(app, '/sni-endpoints'), { certificate_chain: chain, private_key: privateKey }),
      );
      if (flags.json) return printJson(ctx.out, endpoint);
      ctx.out(`${ctx.style.app(app)} now served by ${endpoint.name}.`, ...formatCertDetails(endpoint));
      for (const w of endpoint.warnings ?? []) ctx.warn(w);
    });
}
