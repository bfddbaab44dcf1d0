/**
 * How every runtime driver starts a slug's command, as on Heroku: source the slug's `.profile.d/*.sh` and
 * `.profile`, then run the command given as `$1` through `bash -c`. Run it from the app directory as
 * `bash -c SLUG_LAUNCH_SCRIPT dyno <command>` (see `launchArgv`): the command is a positional parameter, never
 * part of the script's text, and `--` keeps a command starting with `-` from being read as an option.
 */
export const SLUG_LAUNCH_SCRIPT = [
  'shopt -s nullglob',
  'for __platform_profile in .profile.d/*.sh; do . "$__platform_profile"; done',
  'unset __platform_profile',
  'shopt -u nullglob',
  'if [ -f .profile ]; then . ./.profile; fi',
  'exec bash -c -- "$1"',
].join('\n');

/** Where a release image (stack image + slug) holds the app. */
export const IMAGE_APP_DIR = '/app';

/** The slug launch inside a release image: from `/app`, whatever the container's working directory. */
export const IMAGE_LAUNCH_SCRIPT = `cd ${IMAGE_APP_DIR} || exit 1\n${SLUG_LAUNCH_SCRIPT}`;

/**
 * The argv that starts a dyno's command: `['bash', '-c', script, 'dyno', command]` (`dyno` is `$0`, the
 * command `$1`). `script` is `SLUG_LAUNCH_SCRIPT` (run from the app dir; the process driver) or
 * `IMAGE_LAUNCH_SCRIPT` (a container of a release image).
 *
 *   const [file, ...args] = launchArgv('node server.js');
 *   spawn(file, args, { cwd: appDir });
 */
export function launchArgv(command: string, script: string = SLUG_LAUNCH_SCRIPT): [string, ...string[]] {
  return ['bash', '-c', script, 'dyno', command];
}
