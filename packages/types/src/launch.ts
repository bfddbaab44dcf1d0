/**
 * How every runtime driver starts a slug's command, as on Heroku: source the slug's `.profile.d/*.sh` and
 * `.profile`, then run the command given as `$1` through `bash -c`. Run it from the app directory as
 * `bash -c SLUG_LAUNCH_SCRIPT dyno <command>`: the command is a positional parameter, never part of the
 * script's text, and `--` keeps a command starting with `-` from being read as an option.
 */
export const SLUG_LAUNCH_SCRIPT = [
  'shopt -s nullglob',
  'for __platform_profile in .profile.d/*.sh; do . "$__platform_profile"; done',
  'unset __platform_profile',
  'shopt -u nullglob',
  'if [ -f .profile ]; then . ./.profile; fi',
  'exec bash -c -- "$1"',
].join('\n');
