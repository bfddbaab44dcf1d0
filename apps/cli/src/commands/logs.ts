import type { Command } from 'commander';
import { appPath, type Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { flagsOf, withApp } from './shared.ts';

interface LogsFlags {
  num?: string;
  tail?: boolean;
  dyno?: string;
  ps?: string;
  source?: string;
}

/**
 * `platform logs`: creates a log session (`POST /apps/{app}/log-sessions`) and prints the lines its
 * `logplex_url` streams as Server-Sent Events; with --tail the stream stays open until interrupted.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('logs').description("display recent log output (app, router and platform lines)"))
    .option('-n, --num <n>', 'number of lines to display (max 1500)', '100')
    .option('-t, --tail', 'continually stream logs')
    .option('-d, --dyno <name>', 'only show output from this dyno (web.1) or process type (web)')
    .option('--dyno-name <name>', 'same as --dyno')
    .option('-p, --ps <type>', 'only show output from this process type (web matches web.*)')
    .option('--process-type <type>', 'same as --ps')
    .option('-s, --source <source>', 'only show output from this source: app or platform')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<LogsFlags & { dynoName?: string; processType?: string }>(cmd);
      const lines = Number(flags.num ?? '100');
      if (!/^\d+$/.test(flags.num ?? '100') || lines < 1 || lines > 1500) {
        throw cliError(CliErrorCodes.badArgs, `--num must be a number from 1 to 1500 (got ${flags.num}).`);
      }
      const source = flags.source === 'heroku' ? 'platform' : flags.source;
      if (source !== undefined && source !== 'app' && source !== 'platform') {
        throw cliError(CliErrorCodes.badArgs, `--source must be app or platform (got ${flags.source}).`);
      }
      const dyno = flags.dyno ?? flags.dynoName ?? flags.ps ?? flags.processType;
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const open = (n: number) =>
        api.post<{ logplex_url: string }>(appPath(app, '/log-sessions'), {
          lines: n,
          tail: Boolean(flags.tail),
          ...(dyno ? { dyno } : {}),
          ...(source ? { source } : {}),
        });
      await streamSse(ctx, (await open(lines)).logplex_url);
      if (flags.tail) await reconnect(ctx, () => open(0));
    });
}

/** Waits between reconnection attempts of `logs --tail`: 1, 2, 4, 8, 8 s, then it gives up. */
export const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 8000];

/**
 * A tail whose stream ended (the server restarted or went away, or access was taken away) opens a new session
 * (no history) and goes on. The server refusing (the app is gone, the token revoked, access removed) ends it with
 * that error; a server unreachable for every attempt ends it with "the server went away". Never exits 0 silently.
 */
async function reconnect(ctx: Context, open: () => Promise<{ logplex_url: string }>): Promise<never> {
  let attempt = 0;
  let lastError: unknown = null;
  for (;;) {
    if (attempt >= RECONNECT_DELAYS_MS.length) {
      const why = lastError instanceof Error ? ` (${lastError.message})` : '';
      throw cliError(CliErrorCodes.unreachable, `The log stream ended and the server went away${why}.`, 'Run platform logs --tail again once it is back.');
    }
    ctx.warn(attempt === 0 ? 'The log stream ended; reconnecting…' : `Reconnecting (attempt ${attempt + 1} of ${RECONNECT_DELAYS_MS.length})…`);
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAYS_MS[attempt]));
    attempt++;
    let session: { logplex_url: string };
    try {
      session = await open();
    } catch (err) {
      // The server answered and refused (401, 403, 404, …): reconnecting will not help.
      if ((err as { code?: string }).code !== CliErrorCodes.unreachable) throw err;
      lastError = err;
      continue;
    }
    attempt = 0;
    await streamSse(ctx, session.logplex_url).catch((err: unknown) => (lastError = err));
  }
}

/** Reads an SSE response and prints each `data:` line as it arrives; resolves when the stream ends (or breaks). */
async function streamSse(ctx: Context, url: string): Promise<void> {
  const doFetch = ctx.io.fetch ?? fetch;
  const res = await doFetch(url, { headers: { Accept: 'text/event-stream' } }).catch((err: unknown) => {
    throw cliError(CliErrorCodes.unreachable, `Could not open the log stream: ${(err as Error).message}`, 'Check that the server is running.');
  });
  if (res.status === 403 || res.status === 404) throw cliError(CliErrorCodes.api, 'Log stream timed out.', 'Run the command again.');
  if (!res.ok || !res.body) throw cliError(CliErrorCodes.api, `Log stream failed (HTTP ${res.status}).`);
  const decoder = new TextDecoder();
  let buffered = '';
  const chunks = (async function* () {
    try {
      yield* res.body as unknown as AsyncIterable<Uint8Array>;
    } catch {
      // The connection broke (the server stopped): the same as the stream ending.
    }
  })();
  for await (const chunk of chunks) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    const out: string[] = [];
    for (const line of lines) {
      if (line.startsWith('data: ')) out.push(line.slice(6));
      else if (line.startsWith('data:')) out.push(line.slice(5));
    }
    if (out.length > 0) ctx.out(...out);
  }
}
