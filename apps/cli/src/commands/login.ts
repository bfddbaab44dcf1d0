import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Account } from '../api-types.ts';
import { readSavedConfig, writeSavedConfig } from '../config-file.ts';
import type { Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { createApiClient } from '../http.ts';
import { saveNetrcEntry } from '../netrc.ts';
import { prompt, readAll } from '../prompt.ts';
import { flagsOf } from './shared.ts';

interface LoginFlags {
  token?: string;
  tokenFile?: string;
  email?: string;
  invite?: string;
}

async function readToken(ctx: Context, opts: LoginFlags): Promise<string> {
  let token: string;
  if (opts.token !== undefined) token = opts.token;
  else if (opts.tokenFile !== undefined) token = await readFile(opts.tokenFile, 'utf8');
  else if (ctx.io.stdin.isTTY) token = await prompt(ctx, 'API token: ', true);
  else token = await readAll(ctx.io.stdin);
  token = token.trim();
  if (!token) {
    throw cliError(CliErrorCodes.badArgs, 'No API token given.', 'Pass --token-file PATH, pipe the token on stdin, or use --token TOKEN.');
  }
  if (/\s/.test(token)) throw cliError(CliErrorCodes.badArgs, 'The API token must not contain whitespace.');
  return token;
}

/** The password: PLATFORM_PASSWORD, else piped stdin (its first line), else a hidden prompt (twice for a new one). */
async function readPassword(ctx: Context, confirm: boolean): Promise<string> {
  let password = ctx.io.env.PLATFORM_PASSWORD;
  if (password === undefined && !ctx.io.stdin.isTTY) password = (await readAll(ctx.io.stdin)).split(/\r?\n/)[0] ?? '';
  if (password === undefined) {
    password = await prompt(ctx, confirm ? 'New password: ' : 'Password: ', true);
    if (confirm && (await prompt(ctx, 'Repeat the password: ', true)) !== password) {
      throw cliError(CliErrorCodes.badArgs, 'The passwords differ.', 'Run platform login --invite CODE again.');
    }
  }
  if (!password) throw cliError(CliErrorCodes.badArgs, 'No password given.', 'Type it when asked, pipe it on stdin, or set PLATFORM_PASSWORD.');
  return password;
}

const refused = (server: string, what: string) => (err: unknown) => {
  const status = (err as { details?: { status?: number } }).details?.status;
  if (status !== 401 && status !== 403) throw err;
  throw cliError(CliErrorCodes.notLoggedIn, `${server} refused the ${what}.`, `Check the ${what} and run platform login again.`, {}, err);
};

/** E-mail and password (or an invitation code and a new password) → a personal token named after this machine. */
async function tokenFromPassword(ctx: Context, server: string, flags: LoginFlags): Promise<string> {
  const fetchOpt = ctx.io.fetch ? { fetch: ctx.io.fetch } : {};
  let email = flags.email ?? ctx.io.env.PLATFORM_EMAIL;
  let password: string;
  if (flags.invite) {
    password = await readPassword(ctx, true);
    const accepted = await createApiClient({ server, ...fetchOpt })
      .patch<{ email: string }>(`/invitations/${encodeURIComponent(flags.invite.trim())}`, { password })
      .catch(refused(server, 'invitation'));
    email = accepted.email;
  } else {
    email ??= (await prompt(ctx, 'Email: ')).trim();
    password = await readPassword(ctx, false);
  }
  const authorization = `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
  const { hostname } = await import('node:os');
  const created = await createApiClient({ server, authorization, ...fetchOpt })
    .post<{ access_token: { token: string } }>('/oauth/authorizations', { description: `platform CLI on ${hostname()}` })
    .catch(refused(server, 'e-mail and password'));
  return created.access_token.token;
}

export function register(program: Command, ctx: Context): void {
  program
    .command('login')
    .description('log in to a platform server (saved in ~/.netrc for the CLI and git)')
    .option('--email <email>', 'log in with this e-mail and its password (from PLATFORM_PASSWORD, stdin, or a prompt)')
    .option('--invite <code>', 'accept an invitation: choose a password, then log in with it')
    .option('--token <token>', 'an API token (visible to other local users in the process list; prefer --token-file or stdin)')
    .option('--token-file <path>', 'read the API token from a file')
    .addHelpText(
      'after',
      '\nOn a terminal without options it asks for your e-mail and password and creates a personal token.\n' +
        'PLATFORM_EMAIL and PLATFORM_PASSWORD do the same for scripts. Without a terminal or an e-mail, an API\n' +
        'token is read from stdin.',
    )
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<LoginFlags>(cmd);
      const server = await ctx.server(flags);
      const byToken = flags.token !== undefined || flags.tokenFile !== undefined;
      const byPassword = !byToken && (flags.email !== undefined || flags.invite !== undefined || ctx.io.env.PLATFORM_EMAIL !== undefined || Boolean(ctx.io.stdin.isTTY));
      const token = byPassword ? await tokenFromPassword(ctx, server, flags) : await readToken(ctx, flags);
      const api = createApiClient({ server, token, ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}) });
      const account = await api.get<Account>('/account').catch(refused(server, 'token'));
      const login = account.email || 'platform';
      await saveNetrcEntry(ctx.home, new URL(server).hostname, login, token);
      await writeSavedConfig(ctx.configFile, { ...(await readSavedConfig(ctx.configFile)), server });
      ctx.out(`Logged in as ${ctx.style.green(login)}`);
    });
}
