import type { Command } from 'commander';
import type { Domain } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { acmLabel } from '../../format/domains.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { flagsOf, withApp } from '../shared.ts';

/** Ready: routed, and with ACM on, its certificate issued. */
const isReady = (d: Domain) => d.status === 'succeeded' && (!d.acm_status || d.acm_status === 'cert issued');

/**
 * `platform domains:wait [HOST]`: polls the domain (or every custom domain) until the edge routes it and, with
 * ACM on, its certificate is issued; fails after `--timeout` seconds (default 120) with the last ACM reason.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('domains:wait').description('wait until a domain (or every custom domain) is routed and its certificate issued'))
    .argument('[hostname]', 'the domain; every custom domain when absent')
    .option('--timeout <seconds>', 'give up after this many seconds', '120')
    .action(async (hostname: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ timeout: string }>(cmd);
      const timeoutS = Number(flags.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
        throw cliError(CliErrorCodes.badArgs, `Invalid --timeout ${flags.timeout}.`, 'Give a number of seconds, e.g. --timeout 300.');
      }
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const fetchPending = async () => {
        const domains = hostname
          ? [await api.get<Domain>(appPath(app, `/domains/${encodeURIComponent(hostname)}`))]
          : (await api.get<Domain[]>(appPath(app, '/domains'))).filter((d) => d.kind !== 'heroku');
        return domains.filter((d) => !isReady(d));
      };
      const label = hostname ? `Waiting for ${hostname}` : `Waiting for the domains of ${ctx.style.app(app)}`;
      await ctx.action(label, async () => {
        const deadline = Date.now() + timeoutS * 1000;
        for (;;) {
          const pending = await fetchPending();
          if (pending.length === 0) return;
          if (Date.now() >= deadline) {
            const states = pending.map((d) => `${d.hostname}: ${acmLabel(d) || d.status || 'pending'}`).join('\n');
            throw cliError(CliErrorCodes.timeout, `Timed out after ${timeoutS}s waiting for:\n${states}`, 'Check the DNS record and platform certs:auto, then run domains:wait again.');
          }
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      });
    });
}
