import { isValidAppName } from '@platform/types';
import { cliError, CliErrorCodes } from './errors.ts';
import { getGitConfig, listRemotes, type GitRemote } from './git.ts';

/**
 * The app a git remote URL points at, when the URL is `<server>/<app>.git`
 * (user info in the remote URL, e.g. `https://me@host/app.git`, is ignored).
 */
export function appFromGitUrl(url: string, server: string): string | undefined {
  let remote: URL;
  let base: URL;
  try {
    remote = new URL(url);
    base = new URL(server);
  } catch {
    return undefined; // scp-style `git@host:app.git` and paths are not ours
  }
  if (remote.protocol !== base.protocol || remote.host !== base.host) return undefined;
  const prefix = base.pathname.replace(/\/+$/, '') + '/';
  if (!remote.pathname.startsWith(prefix) || remote.search || remote.hash) return undefined;
  const m = /^([^/]+)\.git$/.exec(remote.pathname.slice(prefix.length));
  return m && isValidAppName(m[1]) ? m[1] : undefined;
}

export interface AppFlags {
  app?: string | undefined;
  remote?: string | undefined;
}

export interface ResolveAppOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  server: string;
}

/** -a/--app, then PLATFORM_APP, then the git remotes of cwd (narrowed by -r/--remote or `git config platform.remote`). */
export async function resolveApp(flags: AppFlags, options: ResolveAppOptions): Promise<string> {
  if (flags.app) return flags.app;
  if (options.env.PLATFORM_APP) return options.env.PLATFORM_APP;
  const gitOpts = { cwd: options.cwd, env: options.env };
  const wanted = flags.remote ?? (await getGitConfig('platform.remote', gitOpts));
  let remotes: GitRemote[] = await listRemotes(gitOpts);
  if (wanted !== undefined) {
    remotes = remotes.filter((r) => r.name === wanted);
    if (remotes.length === 0) {
      throw cliError(
        CliErrorCodes.noApp,
        `No git remote named ${wanted}.`,
        'Run git remote -v to see the remotes, or specify the app with --app APP.',
      );
    }
  }
  const matches = new Map<string, string[]>(); // app → remote names
  for (const r of remotes) {
    const app = appFromGitUrl(r.url, options.server);
    if (app) matches.set(app, [...(matches.get(app) ?? []), r.name]);
  }
  if (matches.size === 1) return [...matches.keys()][0]!;
  if (matches.size === 0) {
    if (wanted !== undefined) {
      throw cliError(
        CliErrorCodes.noApp,
        `Git remote ${wanted} does not point at an app on ${options.server}.`,
        'Specify the app with --app APP.',
      );
    }
    throw cliError(
      CliErrorCodes.noApp,
      'No app specified.',
      'Run this command from an app folder with a platform git remote, or specify which app to use with --app APP.',
    );
  }
  const list = [...matches].map(([app, names]) => `${app} (${names.join(', ')})`).join(', ');
  throw cliError(
    CliErrorCodes.multipleApps,
    `Multiple apps in git remotes: ${list}.`,
    'Specify the app you want with --app or --remote.',
  );
}
