import { parse as parseYaml } from 'yaml';
import { isValidConfigKey, isValidProcessType } from '@platform/types';
import { buildFailed } from './build-run.ts';

/** The manifest's file name, at the root of the pushed tree (Heroku's). */
export const HEROKU_MANIFEST = 'heroku.yml';

/**
 * What a `heroku.yml` asks of a build (Heroku's manifest: devcenter "Building Docker Images with heroku.yml").
 * Only its `build.docker` form exists here, so a manifest always means a Dockerfile build:
 *
 *   build:
 *     docker: { web: Dockerfile, worker: worker/Dockerfile }   # one image per name (a path inside the repo)
 *     config: { RAILS_ENV: production, NPM_TOKEN: }   # build args: a value, or empty = the app's config var
 *   release: { command: [./migrate.sh], image: worker }  # the release phase, in that new image
 *   run: { web: bundle exec puma, clock: { command: [./clock], image: worker } }
 *
 * Which image a process type runs: its `image:`, else the image of its own name, else `web`'s (Heroku's rule);
 * `release` likewise from `release.image`. A type left with none fails the build.
 */
export interface DockerBuildPlan {
  /**
   * `build.docker` in its order: image name (a process type) → Dockerfile, relative to the repository's root
   * (`Dockerfile`, `api/Dockerfile`); each Dockerfile's directory is its build context, and names sharing a
   * Dockerfile share one image.
   */
  images: Record<string, string>;
  /**
   * Build args (the Dockerfile's `ARG`s): a literal value from the manifest, or null for "the app's config var of
   * this name" (passed only when it is set). Nothing else of the app's config reaches the build.
   */
  buildArgs: Record<string, string | null>;
  /** `run:` process types → command lines (run as `/bin/sh -c`); empty: each image's own CMD runs as its type. */
  run: Record<string, string>;
  /** `release.command`, joined by spaces into one command line; null: no release phase. */
  release: string | null;
  /** The image named by `image:` for a `run:` type, or by `release.image` (as type `release`). */
  imageChoices: Record<string, string>;
}

/**
 * The image name a process type runs in (see DockerBuildPlan): its `image:` choice, the image of its own name, or
 * `web`'s; null when there is none.
 */
export function imageNameFor(plan: Pick<DockerBuildPlan, 'images' | 'imageChoices'>, type: string): string | null {
  // Own-property checks: a process type may be named like an Object method ("constructor").
  if (Object.hasOwn(plan.imageChoices, type)) return plan.imageChoices[type]!;
  return Object.hasOwn(plan.images, type) ? type : Object.hasOwn(plan.images, 'web') ? 'web' : null;
}

/** Sections a manifest may have. `setup` (app creation from a manifest) is accepted and ignored. */
const SECTIONS = new Set(['setup', 'build', 'release', 'run']);
/** A Dockerfile path: plain names joined by `/`, nothing absolute, no `.` or `..` step. */
const DOCKERFILE_PATH_RE = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

const fail = (message: string) => buildFailed(`heroku.yml: ${message}`);
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A command given as a string or a list of strings (Heroku's `release.command` is a list): one command line. */
function commandLine(value: unknown, where: string): string {
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((p) => typeof p === 'string') ? (value as string[]) : null;
  const line = parts?.join(' ').trim() ?? '';
  if (line === '' || line.includes('\0')) throw fail(`${where} must be a non-empty command (a string or a list of strings).`);
  return line;
}

function imageOf(value: unknown, where: string, images: Record<string, string>): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !Object.hasOwn(images, value)) {
    throw fail(`${where} names image ${JSON.stringify(value)}, which build.docker does not build (it builds: ${Object.keys(images).join(', ')}).`);
  }
  return value;
}

function dockerSection(build: Record<string, unknown>): Record<string, string> {
  const docker = build.docker;
  if (!isMap(docker) || Object.keys(docker).length === 0) {
    throw fail('build.docker must map process types to their Dockerfile, e.g. "build: { docker: { web: Dockerfile } }".');
  }
  const images: Record<string, string> = {};
  for (const [type, file] of Object.entries(docker)) {
    if (!isValidProcessType(type) || type === 'release') throw fail(`build.docker: ${JSON.stringify(type)} is not a valid process type.`);
    if (typeof file !== 'string' || !DOCKERFILE_PATH_RE.test(file) || file.length > 1024) {
      throw fail(`build.docker.${type} must be a relative path inside the repository, e.g. Dockerfile or api/Dockerfile.`);
    }
    images[type] = file;
  }
  return images;
}

/** Fails for a type that would have no image to run in. */
function requireImage(plan: Pick<DockerBuildPlan, 'images' | 'imageChoices'>, type: string, where: string): void {
  if (imageNameFor(plan, type) !== null) return;
  throw fail(
    `${where} has no image to run in: build.docker builds no ${JSON.stringify(type)} image and no web image (it builds: ${Object.keys(plan.images).join(', ')}). Add ${type} to build.docker, or choose one with "image:".`,
  );
}

function buildArgsOf(config: unknown): Record<string, string | null> {
  if (config === undefined || config === null) return {};
  if (!isMap(config)) throw fail('build.config must map build-arg names to values.');
  const args: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!isValidConfigKey(key)) throw fail(`build.config: ${JSON.stringify(key)} is not a valid variable name.`);
    if (value === null || value === '') args[key] = null;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') args[key] = String(value);
    else throw fail(`build.config.${key} must be a string, a number, a boolean, or empty (the app's config var ${key}).`);
  }
  return args;
}

/**
 * Reads a `heroku.yml` (null: the repository has none). Throws PLT_BUILD_FAILED `heroku.yml: …` saying what is
 * wrong and how to write it: invalid YAML, an unknown section, no `build.docker` (a manifest here always means a
 * Dockerfile build), a bad process type, path, build arg or command, an `image:` that `build.docker` does not
 * build, or a `run:`/`release` type left without an image.
 *
 *   parseHerokuManifest('build:\n  docker:\n    web: Dockerfile\n')
 *   // { images: { web: 'Dockerfile' }, buildArgs: {}, run: {}, release: null, imageChoices: {} }
 */
export function parseHerokuManifest(text: string | null): DockerBuildPlan | null {
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw fail(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isMap(doc)) throw fail('must be a YAML map with a build section, e.g. "build: { docker: { web: Dockerfile } }".');
  for (const key of Object.keys(doc)) {
    if (!SECTIONS.has(key)) throw fail(`unknown section ${JSON.stringify(key)} (known: ${[...SECTIONS].join(', ')}).`);
  }
  const build = doc.build;
  if (!isMap(build)) throw fail('no build section: this platform reads heroku.yml for Dockerfile builds ("build: { docker: { web: Dockerfile } }"). Remove heroku.yml to build with buildpacks.');
  for (const key of Object.keys(build)) {
    if (key !== 'docker' && key !== 'config') throw fail(`build.${key} is not supported (only build.docker and build.config).`);
  }
  const images = dockerSection(build);
  const imageChoices: Record<string, string> = {};

  let release: string | null = null;
  if (doc.release !== undefined && doc.release !== null) {
    if (!isMap(doc.release)) throw fail('release must be a map with a command, e.g. "release: { command: [./migrate.sh], image: web }".');
    release = commandLine(doc.release.command, 'release.command');
    const chosen = imageOf(doc.release.image, 'release.image', images);
    if (chosen !== undefined) imageChoices.release = chosen;
    requireImage({ images, imageChoices }, 'release', 'release');
  }

  const run: Record<string, string> = {};
  if (doc.run !== undefined && doc.run !== null) {
    if (!isMap(doc.run)) throw fail('run must map process types to commands, e.g. "run: { web: ./server }".');
    for (const [type, entry] of Object.entries(doc.run)) {
      if (!isValidProcessType(type) || type === 'release') throw fail(`run: ${JSON.stringify(type)} is not a valid process type.`);
      if (isMap(entry)) {
        run[type] = commandLine(entry.command, `run.${type}.command`);
        const chosen = imageOf(entry.image, `run.${type}.image`, images);
        if (chosen !== undefined) imageChoices[type] = chosen;
      } else {
        run[type] = commandLine(entry, `run.${type}`);
      }
      requireImage({ images, imageChoices }, type, `run.${type}`);
    }
  }
  return { images, buildArgs: buildArgsOf(build.config), run, release, imageChoices };
}

/** What a build on the process runtime says when the app asks for a Dockerfile build (the push changes nothing). */
export const DOCKERFILE_NEEDS_DOCKER =
  'This app is built from its Dockerfile, and Dockerfile deploys need the docker runtime; this platform runs apps as processes (PLATFORM_RUNTIME=process). Add what a buildpack detects (e.g. package.json, requirements.txt, a Procfile) and remove heroku.yml if there is one, or choose buildpacks with platform buildpacks:set.';
