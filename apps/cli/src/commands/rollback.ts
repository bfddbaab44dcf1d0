import type { Command } from 'commander';
import type { Release } from '../api-types.ts';
import { appPath, type Context } from '../context.ts';
import { cliError, CliErrorCodes } from '../errors.ts';
import { findRelease } from './releases/info.ts';
import { flagsOf, releaseFailed, withApp } from './shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('rollback')
      .alias('releases:rollback')
      .description("roll back to an earlier release's code and config (default: the previous release)"),
  )
    .argument('[release]', 'release to roll back to, e.g. v12')
    .action(async (ref: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      let target: Release;
      if (ref !== undefined) {
        target = await findRelease(api, app, ref);
      } else {
        // Heroku: the newest 10, keep those eligible for rollback, take the second (the one before the current).
        const recent = await api.get<Release[]>(appPath(app, '/releases'), {
          range: 'version ..; max=10, order=desc',
          partial: true,
        });
        const eligible = recent.filter((r) => r.eligible_for_rollback !== false);
        const previous = eligible[1];
        if (!previous) {
          throw cliError(
            CliErrorCodes.badArgs,
            `No release found to roll back to on ${app}.`,
            'Name one with platform rollback vN (see platform releases).',
          );
        }
        target = previous;
      }
      const created = await ctx.action(
        `Rolling back ${ctx.style.app(app)} to ${ctx.style.green(`v${target.version}`)}`,
        async () => {
          const release = await api.post<Release>(appPath(app, '/releases'), { release: target.id });
          if (release.status === 'failed') throw releaseFailed(app, release.version);
          return release;
        },
        (r) => ctx.style.green(`v${r.version}`),
      );
      ctx.warn("Rollback affects code and config vars; it doesn't add or remove addons.");
      // The server never restores add-on credentials; what it kept or left out is in the description's brackets.
      const addonNote = /^Rollback to v\d+ \((.+)\)$/.exec(created.description ?? "")?.[1];
      if (addonNote) ctx.warn(`${addonNote.charAt(0).toUpperCase()}${addonNote.slice(1)}.`);
      ctx.warn(`To undo, run: platform rollback v${created.version - 1}`);
    });
}
