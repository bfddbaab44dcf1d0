import path from 'node:path';
import type Docker from 'dockerode';
import { APP_FILE_MAX_BYTES, resolveProcessTypes, type DockerBuildPlan } from '@platform/builder-kit';
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
export const DEFAULT_DOCKERFILE_PLAN: DockerBuildPlan = { dockerfile: 'Dockerfile', buildArgs: {}, run: {}, release: null };

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

/**
 * Process types of a Dockerfile build: heroku.yml `run:` (else the Procfile, if any; a bad one throws
 * PLT_PROCFILE_INVALID), its `release:` (else the Procfile's), and `web` running the image's own CMD/ENTRYPOINT
 * (command `''`) unless a web command is declared. Null when nothing would run at all (no CMD, nothing declared).
 */
export function dockerfileProcessTypes(
  plan: DockerBuildPlan,
  procfile: string | null,
  image: { cmd: string[] | null; entrypoint: string[] | null },
): { types: Record<string, string>; declaredBy: string } | null {
  const fromRun = Object.keys(plan.run).length > 0;
  const types = fromRun ? { ...plan.run } : procfile !== null ? resolveProcessTypes(procfile, null).processTypes : {};
  const declaredBy = fromRun ? 'heroku.yml run:' : procfile !== null ? 'Procfile' : 'nothing';
  if (plan.release !== null) types.release = plan.release;
  const ownCommand = (image.cmd?.length ?? 0) > 0 || (image.entrypoint?.length ?? 0) > 0;
  if (types.web === undefined && ownCommand) types.web = '';
  return Object.keys(types).some((t) => t !== 'release') ? { types, declaredBy } : null;
}

/**
 * A Dockerfile deploy in the docker builder: the context (the Dockerfile's directory) from the spooled source, the
 * declared build args, the engine's build streamed to the push, then the process types. The result has no slug:
 * its image is the release's whole artifact (`kind: 'dockerfile'`). Throws PLT_BUILD_FAILED, explained on the output.
 */
export async function deployDockerfile(
  request: BuildRequest,
  source: SpooledSource,
  plan: DockerBuildPlan,
  options: DockerfileDeployOptions,
  reject: (message: string, cause?: unknown) => PlatformError,
): Promise<BuildResult> {
  const { output } = request;
  const dir = path.posix.dirname(plan.dockerfile);
  const contextDir = dir === '.' ? '' : dir;
  const dockerfile = await source.readFile(plan.dockerfile, APP_FILE_MAX_BYTES).catch((err: Error) => {
    throw reject(err.message, err);
  });
  if (dockerfile === null) throw reject(`No ${plan.dockerfile} in the repository (heroku.yml build.docker names it).`);
  output(`-----> Building the Dockerfile (${plan.dockerfile}${contextDir ? `, context ${contextDir}/` : ''})`);
  const buildArgs = resolveBuildArgs(plan, request.env, output);
  const built = await buildDockerfileImage({
    docker: options.docker,
    app: request.app,
    appId: request.appId,
    buildId: request.buildId,
    context: source.context(contextDir),
    dockerfile: path.posix.basename(plan.dockerfile),
    buildArgs,
    output,
    signal: request.signal,
    timeoutMs: options.timeoutMs,
    memoryMb: options.memoryMb,
    network: options.network,
    instance: options.instance,
  });
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
  output('-----> Discovering process types');
  output(`       Declared by ${resolved.declaredBy} -> ${Object.keys(resolved.types).filter((t) => resolved.types[t] !== '').join(', ') || '(none)'}`);
  if (resolved.types.web === '') output(`       web runs the image's own command: ${JSON.stringify([...(built.entrypoint ?? []), ...(built.cmd ?? [])])}`);
  for (const port of built.exposedPorts) {
    output(`       EXPOSE ${port} noted; web dynos get $PORT as on Heroku and must listen on it (the router sends to $PORT only)`);
  }
  output(`       Image ${built.image}`);
  return { slug: null, image: built.image, kind: 'dockerfile', processTypes: resolved.types, buildpack: 'Dockerfile' };
}
