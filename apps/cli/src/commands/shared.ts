import { cliError, CliErrorCodes } from '../errors.ts';
import type { Command } from 'commander';
import type { GlobalFlags } from '../context.ts';

/** Adds the app-selection flags (`-a/--app`, `-r/--remote`) to an app-scoped command. */
export function withApp(cmd: Command): Command {
  return cmd
    .option('-a, --app <app>', 'app to run the command against (default: PLATFORM_APP, then the git remote)')
    .option('-r, --remote <remote>', 'git remote of the app to use');
}

/** The command's own options plus the program's (--server, --debug). */
export function flagsOf<T extends object = object>(cmd: Command): GlobalFlags & T {
  return cmd.optsWithGlobals<GlobalFlags & T>();
}

export function printJson(out: (line: string) => void, value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** The error of a command whose new release failed (config change, rollback): the old one keeps running. */
export function releaseFailed(app: string, version: number) {
  return cliError(
    CliErrorCodes.releaseFailed,
    `Release v${version} of ${app} failed; the app still runs its previous release.`,
    `See why with: platform logs -a ${app} --source platform`,
  );
}
