import type { PlatformError } from '@platform/types';
import { buildFailed, explainedFailure } from './build-run.ts';
import { DOCKERFILE_NEEDS_DOCKER } from './heroku-manifest.ts';

/**
 * The buildpack runner contract (`buildpacks/_runner/build`), the same on the host and in a build container:
 *
 *   <buildpacks>/_runner/build BUILD_DIR CACHE_DIR ENV_DIR BUILDPACKS_DIR RELEASE_OUT_FILE [BUILDPACK,…]
 *
 * (the last argument only when the app has chosen its buildpacks: they run in that order, without detection)
 * with exactly `runnerEnvironment(…)` (plus a PATH, and extra CA certificates where needed) as its environment.
 * It prints Heroku-style lines, and on success writes the chosen buildpack's `bin/release` YAML to
 * RELEASE_OUT_FILE and its name to RELEASE_OUT_FILE`.buildpack` (the names of all, with several).
 */
export const RUNNER_SCRIPT = '_runner/build';
/** File name of RELEASE_OUT_FILE inside the output directory the builder gives the runner. */
export const RELEASE_OUT_NAME = 'release.yml';
/** File name of the buildpack's name, next to RELEASE_OUT_FILE. */
export const BUILDPACK_NAME_FILE = `${RELEASE_OUT_NAME}.buildpack`;

/** Where the runner finds and puts things (absolute paths, in the runner's own file system). */
export interface RunnerPaths {
  /** The buildpacks: `order`, one directory per buildpack, `_runner/build`. */
  buildpacks: string;
  /** The app being built (BUILD_DIR); becomes the slug. */
  build: string;
  /** The app's cache (CACHE_DIR); each buildpack gets `<cache>/<buildpack>`. */
  cache: string;
  /** ENV_DIR: one file per config var. */
  env: string;
  /** RELEASE_OUT_FILE, `<out dir>/release.yml`. */
  releaseOut: string;
}

/** A buildpack's name: the name of its directory under the buildpacks dir (also what the runner accepts). */
export const BUILDPACK_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * The runner's argv: `[<buildpacks>/_runner/build, BUILD, CACHE, ENV_DIR, BUILDPACKS, RELEASE_OUT]`, then the
 * chosen buildpacks joined by commas when there are any. Throws PLT_BUILD_FAILED for a name that is not one.
 */
export function runnerArgv(paths: RunnerPaths, buildpacks: readonly string[] = []): [string, ...string[]] {
  const argv: [string, ...string[]] = [`${paths.buildpacks}/${RUNNER_SCRIPT}`, paths.build, paths.cache, paths.env, paths.buildpacks, paths.releaseOut];
  for (const name of buildpacks) {
    if (!BUILDPACK_NAME_RE.test(name)) throw buildFailed(`Invalid buildpack name ${JSON.stringify(name)}.`);
  }
  if (buildpacks.length > 0) argv.push(buildpacks.join(','));
  return argv;
}

/**
 * The platform values of the build's environment (config vars are never here: they are ENV_DIR files):
 * `HOME`, `STACK`, `LANG=C.UTF-8`, `REQUEST_ID=<build id>`, and `SHARED_CACHE_DIR` when the builder gives builds a
 * directory shared by all apps (buildpacks keep downloads there that any app may reuse, e.g. Node.js releases).
 * Every app's build can write into it: a buildpack must treat what it reads there as untrusted and verify it
 * (the Node.js buildpack checks each tarball's sha512 against the registry's answer before using it).
 */
export function runnerEnvironment(input: { home: string; stack: string; buildId: string; sharedCache?: string | undefined }): Record<string, string> {
  const env: Record<string, string> = { HOME: input.home, STACK: input.stack, LANG: 'C.UTF-8', REQUEST_ID: input.buildId };
  if (input.sharedCache) env.SHARED_CACHE_DIR = input.sharedCache;
  return env;
}

/** The runner's exit when no buildpack matches and the app has a Dockerfile (a Dockerfile build, where one can run). */
export const RUNNER_DOCKERFILE_EXIT = 5;

/** The Heroku-style reasons of the runner's own exit codes; it has printed them already. */
const RUNNER_EXITS: Readonly<Record<number, string>> = {
  1: 'The buildpack failed to compile the app.',
  2: 'No default language could be detected for this app.',
  3: "The buildpack's bin/release failed.",
  4: 'A chosen buildpack is not installed or does not apply to this app.',
};

/**
 * The PLT_BUILD_FAILED error for a runner that ended with `status` (an exit code other than 0, or a signal
 * name). A known code gives its reason, already printed by the runner; RUNNER_DOCKERFILE_EXIT gives
 * DOCKERFILE_NEEDS_DOCKER through `reject`; any other status is printed through `reject` as
 * ` !     The build runner exited with <status>.`
 */
export function runnerFailure(
  status: number | string | null,
  reject: (message: string) => PlatformError,
): PlatformError {
  // A driver that builds Dockerfiles handles this exit itself; any other cannot build this app.
  if (status === RUNNER_DOCKERFILE_EXIT) return reject(DOCKERFILE_NEEDS_DOCKER);
  const known = typeof status === 'number' ? RUNNER_EXITS[status] : undefined;
  if (known) return explainedFailure(buildFailed(known));
  return reject(`The build runner exited with ${status}.`);
}

/** The reason of a build the builder stopped: `Build cancelled.` or `Build timed out after N s and was stopped.` */
export function stoppedReason(why: 'abort' | 'timeout', timeoutMs: number): string {
  if (why === 'abort') return 'Build cancelled.';
  return `Build timed out after ${Math.round(timeoutMs / 1000)} s and was stopped.`;
}
