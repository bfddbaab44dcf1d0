import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Account } from '../api-types.ts';
import { readSavedConfig, writeSavedConfig } from '../config-file.ts';
import type { Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { createApiClient } from '../http.ts';
import { saveNetrcEntry } from '../netrc.ts';
import { flagsOf } from './shared.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream)
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

/** Prompts on the terminal without echoing what is typed. */
async function promptHidden(ctx: Context, question: string): Promise<string> {
  // Loaded on use: most commands never prompt.
  const [{ createInterface }, { Writable }] = await Promise.all([
    import('node:readline'),
    import('node:stream'),
  ]);
  const muted = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const rl = createInterface({ input: ctx.io.stdin, output: muted, terminal: true });
  ctx.io.stderr.write(question);
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      ctx.io.stderr.write('\n');
      rl.close();
      resolve(line);
    });
  });
}

async function readToken(ctx: Context, opts: { token?: string; tokenFile?: string }): Promise<string> {
  let token: string;
  if (opts.token !== undefined) token = opts.token;
  else if (opts.tokenFile !== undefined) token = await readFile(opts.tokenFile, 'utf8');
  else if (ctx.io.stdin.isTTY) token = await promptHidden(ctx, 'API token: ');
  else token = await readAll(ctx.io.stdin);
  token = token.trim();
  if (!token) {
    throw cliError(
      CliErrorCodes.badArgs,
      'No API token given.',
      'Pass --token-file PATH, pipe the token on stdin, or use --token TOKEN.',
    );
  }
  if (/\s/.test(token)) throw cliError(CliErrorCodes.badArgs, 'The API token must not contain whitespace.');
  return token;
}

export function register(program: Command, ctx: Context): void {
  program
    .command('login')
    .description('log in to a platform server with an API token (saved in ~/.netrc for the CLI and git)')
    .option(
      '--token <token>',
      'the API token (visible to other local users in the process list; prefer --token-file or stdin)',
    )
    .option('--token-file <path>', 'read the API token from a file')
    .addHelpText(
      'after',
      '\nWithout --token or --token-file the token is read from stdin (prompted for on a terminal).',
    )
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ token?: string; tokenFile?: string }>(cmd);
      const server = await ctx.server(flags);
      const token = await readToken(ctx, flags);
      const api = createApiClient({ server, token, ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}) });
      const account = await api.get<Account>('/account').catch((err: unknown) => {
        const status = (err as { details?: { status?: number } }).details?.status;
        if (status !== 401 && status !== 403) throw err;
        throw cliError(
          CliErrorCodes.notLoggedIn,
          `${server} refused the token.`,
          'Check the token and run platform login again.',
          {},
          err,
        );
      });
      const login = account.email || 'platform';
      await saveNetrcEntry(ctx.home, new URL(server).hostname, login, token);
      await writeSavedConfig(ctx.configFile, { ...(await readSavedConfig(ctx.configFile)), server });
      ctx.out(`Logged in as ${ctx.style.green(login)}`);
    });
}
