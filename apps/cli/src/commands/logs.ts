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
      const session = await api.post<{ logplex_url: string }>(appPath(app, '/log-sessions'), {
        lines,
        tail: Boolean(flags.tail),
        ...(dyno ? { dyno } : {}),
        ...(source ? { source } : {}),
      });
      await streamSse(ctx, session.logplex_url);
    });
}

/** Reads an SSE response and prints each `data:` line as it arrives. */
async function streamSse(ctx: Context, url: string): Promise<void> {
  const doFetch = ctx.io.fetch ?? fetch;
  const res = await doFetch(url, { headers: { Accept: 'text/event-stream' } });
  if (res.status === 403 || res.status === 404) throw cliError(CliErrorCodes.api, 'Log stream timed out.', 'Run the command again.');
  if (!res.ok || !res.body) throw cliError(CliErrorCodes.api, `Log stream failed (HTTP ${res.status}).`);
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
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
