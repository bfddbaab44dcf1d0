import path from 'node:path';
import type Docker from 'dockerode';
import { APP_FILE_MAX_BYTES, buildFailed, imageNameFor, resolveProcessTypes, type DockerBuildPlan } from '@platform/builder-kit';
import type { BuildRequest, BuildResult, PlatformError } from '@platform/types';
import { buildDockerfileImage } from './dockerfile-build.ts';
import type { SpooledSource } from './source-spool.ts';

/** What a Dockerfile build takes from the docker builder's own options. */
export interface DockerfileDeployOptions {
  docker: Docker;
  timeoutMs: number;
  memoryMb: number;
  network?: string | undefined;
  instance: string;
}

/** The plan of an app with a Dockerfile at its root and no heroku.yml: no build args, process types from a Procfile or the image. */
export const DEFAULT_DOCKERFILE_PLAN: DockerBuildPlan = { images: { web: 'Dockerfile' }, buildArgs: {}, run: {}, release: null, imageChoices: {} };

/** What one built image offers its process types. */
export interface BuiltImage {
  image: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
}

/**
 * Build args as the user declared them (heroku.yml `build.config`): a literal value, or the app's config var of
 * that name when the manifest leaves it empty (skipped, and said, when the app has no such var). Only names.
 */
function resolveBuildArgs(plan: DockerBuildPlan, env: Readonly<Record<string, string>>, output: (line: string) => void): Record<string, string> {
  const args: Record<string, string> = {};
  const fromConfig: string[] = [];
  for (const [name, value] of Object.entries(plan.buildArgs)) {
    if (value !== null) args[name] = value;
    else if (name in env) {
      args[name] = env[name]!;
      fromConfig.push(name);
    } else output(`       Build arg ${name}: the app has no config var ${name}; not passed`);
  }
  const literal = Object.keys(args).filter((n) => !fromConfig.includes(n));
  if (literal.length > 0) output(`       Build args from heroku.yml: ${literal.join(', ')}`);
  if (fromConfig.length > 0) output(`       Build args from config vars: ${fromConfig.join(', ')} (visible in the image's history if a RUN step uses them)`);
  return args;
}

const hasOwnCommand = (image: BuiltImage) => (image.cmd?.length ?? 0) > 0 || (image.entrypoint?.length ?? 0) > 0;

/**
 * Process types of a Dockerfile build and the image each runs. Commands: heroku.yml `run:` (else the Procfile, if
 * any; a bad one throws PLT_PROCFILE_INVALID), its `release:` (else the Procfile's), and each image named in
 * `build.docker` running its own CMD/ENTRYPOINT (command `''`) as the process type of its name unless a command is
 * declared for it. Images: `imageNameFor` (its `image:`, its own name's, else web's). Null when nothing would run at
 * all; throws PLT_BUILD_FAILED naming a type that has no image to run in (a Procfile type, with no web image).
 */
export function dockerfileProcessTypes(
  plan: DockerBuildPlan,
  procfile: string | null,
  built: Readonly<Record<string, BuiltImage>>,
): { types: Record<string, string>; images: Record<string, string>; declaredBy: string } | null {
  const fromRun = Object.keys(plan.run).length > 0;
  const types = fromRun ? { ...plan.run } : procfile !== null ? resolveProcessTypes(procfile, null).processTypes : {};
  const declaredBy = fromRun ? 'heroku.yml run:' : procfile !== null ? 'Procfile' : 'nothing';
  if (plan.release !== null) types.release = plan.release;
  for (const [name, image] of Object.entries(built)) {
    if (!Object.hasOwn(types, name) && hasOwnCommand(image)) types[name] = '';
  }
  const images: Record<string, string> = {};
  for (const type of Object.keys(types)) {
    const name = imageNameFor(plan, type);
    if (name === null || !built[name]) {
      throw buildFailed(
        `heroku.yml: the ${declaredBy === 'Procfile' ? 'Procfile' : 'process'} type ${JSON.stringify(type)} has no image to run in: build.docker builds no ${type} image and no web image. Add ${type} to build.docker, or declare it in run: with "image:".`,
      );
    }
    images[type] = built[name].image;
  }
  return Object.keys(types).some((t) => t !== 'release') ? { types, images, declaredBy } : null;
}

/** The default image of a build: web's, else the first `build.docker` names (one-offs run it). */
function defaultImageName(plan: DockerBuildPlan): string {
  return Object.hasOwn(plan.images, 'web') ? 'web' : Object.keys(plan.images)[0]!;
}

/**
 * A Dockerfile deploy in the docker builder: every Dockerfile heroku.yml names is checked to exist, then each is
 * built once (names sharing a Dockerfile share its image) from its context (the Dockerfile's directory) in the
 * spooled source, with the declared build args, the engine's output streamed to the push; then the process types.
 * The default image (web's) is `platform/<app>:<build>`, another `platform/<app>:<build>-<name>`. The result has no
 * slug: its images are the release's whole artifact (`kind: 'dockerfile'`; `images` when a type runs another than
 * `image`). Throws PLT_BUILD_FAILED, explained on the output.
 */
export async function deployDockerfile(
  request: BuildRequest,
  source: SpooledSource,
  plan: DockerBuildPlan,
  options: DockerfileDeployOptions,
  reject: (message: string, cause?: unknown) => PlatformError,
): Promise<BuildResult> {
  const { output } = request;
  const defaultName = defaultImageName(plan);
  // Each Dockerfile once, named by its first image name (the default image's own when it shares one).
  const byFile = new Map<string, string>();
  for (const [name, file] of Object.entries(plan.images)) if (!byFile.has(file) || name === defaultName) byFile.set(file, name);
  for (const [file, name] of byFile) {
    const text = await source.readFile(file, APP_FILE_MAX_BYTES).catch((err: Error) => {
      throw reject(err.message, err);
    });
    if (text === null) throw reject(`No ${file} in the repository (heroku.yml build.docker.${name} names it).`);
  }
  const buildArgs = resolveBuildArgs(plan, request.env, output);
  const builtByFile = new Map<string, BuiltImage & { exposedPorts: string[] }>();
  for (const [file, name] of byFile) {
    const dir = path.posix.dirname(file);
    const contextDir = dir === '.' ? '' : dir;
    const label = byFile.size > 1 ? ` for ${[...Object.entries(plan.images)].filter(([, f]) => f === file).map(([n]) => n).join(', ')}` : '';
    output(`-----> Building the Dockerfile (${file}${contextDir ? `, context ${contextDir}/` : ''})${label}`);
    const built = await buildDockerfileImage({
      docker: options.docker,
      app: request.app,
      appId: request.appId,
      buildId: request.buildId,
      tag: name === defaultName ? request.buildId : `${request.buildId}-${name}`,
      context: source.context(contextDir),
      dockerfile: path.posix.basename(file),
      buildArgs,
      output,
      signal: request.signal,
      timeoutMs: options.timeoutMs,
      memoryMb: options.memoryMb,
      network: options.network,
      instance: options.instance,
    });
    builtByFile.set(file, built);
  }
  const built = Object.fromEntries(Object.entries(plan.images).map(([name, file]) => [name, builtByFile.get(file)!]));
  let resolved;
  try {
    const procfile = Object.keys(plan.run).length > 0 ? null : await source.readFile('Procfile', APP_FILE_MAX_BYTES);
    resolved = dockerfileProcessTypes(plan, procfile, built);
  } catch (err) {
    throw reject((err as Error).message, err);
  }
  if (resolved === null) {
    throw reject('The image has no CMD or ENTRYPOINT, and nothing declares a command (heroku.yml run:, or a Procfile): add CMD to the Dockerfile.');
  }
  const image = built[defaultName]!.image;
  const several = new Set(Object.values(resolved.images)).size > 1 || Object.values(resolved.images).some((i) => i !== image);
  output('-----> Discovering process types');
  output(`       Declared by ${resolved.declaredBy} -> ${Object.keys(resolved.types).filter((t) => resolved.types[t] !== '').join(', ') || '(none)'}`);
  for (const [type, command] of Object.entries(resolved.types)) {
    if (command !== '') continue;
    const own = built[imageNameFor(plan, type)!]!;
    output(`       ${type} runs the image's own command: ${JSON.stringify([...(own.entrypoint ?? []), ...(own.cmd ?? [])])}`);
  }
  for (const port of new Set([...builtByFile.values()].flatMap((b) => b.exposedPorts))) {
    output(`       EXPOSE ${port} noted; web dynos get $PORT as on Heroku and must listen on it (the router sends to $PORT only)`);
  }
  if (several) for (const [type, each] of Object.entries(resolved.images)) output(`       ${type}: image ${each}`);
  else output(`       Image ${image}`);
  return {
    slug: null,
    image,
    ...(several ? { images: resolved.images } : {}),
    kind: 'dockerfile',
    processTypes: resolved.types,
    buildpack: 'Dockerfile',
  };
}
