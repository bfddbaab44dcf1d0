import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { buildFailed, createBuildOutput, explainedFailure, stoppedReason, BUILD_DEFAULTS } from '@platform/builder-kit';

/**
 * A Dockerfile deploy's image (issue 18): the app's own Dockerfile built by the Docker engine's classic builder,
 * whose layer cache the engine keeps between builds (no `nocache`, no `pull`).
 *
 *   const built = await buildDockerfileImage({ docker, app, appId, buildId, context, dockerfile, buildArgs, output });
 *
 * - `context` is a tar of the build context (the Dockerfile's directory); `dockerfile` its name in there;
 * - `buildArgs` are passed as they are, and nothing else: the caller decides which values the user declared
 *   (heroku.yml `build.config`), so a config var the app never named cannot reach a layer, the history or a label;
 * - output (`Step 1/4 : FROM …`) goes to `output` line by line, under the same cap as buildpack builds;
 * - a time limit (the build is cancelled), a memory limit for the RUN steps, and the network they use;
 * - the image is tagged `platform/<app>:<buildId>` and labelled like buildpack release images, so the same image
 *   GC keeps or collects it.
 */
export interface DockerfileBuildInput {
  docker: Docker;
  app: string;
  appId: string;
  buildId: string;
  /** The image's tag: `platform/<app>:<tag>`. Default the build id (another image of the same build: `<build>-<type>`). */
  tag?: string | undefined;
  /** A tar stream of the build context. */
  context: Readable;
  /** The Dockerfile's path inside the context. Default `Dockerfile`. */
  dockerfile?: string | undefined;
  /** Build args (`--build-arg`), names and values, as the user declared them. */
  buildArgs?: Readonly<Record<string, string>> | undefined;
  output: (line: string) => void;
  signal?: AbortSignal | undefined;
  /** Default BUILD_DEFAULTS.timeoutMs. */
  timeoutMs?: number | undefined;
  /** Memory of each build step's container, MB. Default 2048. */
  memoryMb?: number | undefined;
  /** Network of the RUN steps (the builds' fenced network). Default the engine's. */
  network?: string | undefined;
  /** `platform.managed` label value. Default `1`. */
  instance?: string | undefined;
}

export interface DockerfileBuildResult {
  image: string;
  /** The image's EXPOSE ports (`5000/tcp`), its CMD and ENTRYPOINT, for the runtime to respect. */
  exposedPorts: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
}

/** Builds the app's Dockerfile into `platform/<app>:<tag>` (default the build id). Throws PLT_BUILD_FAILED (already on `output`). */
export async function buildDockerfileImage(input: DockerfileBuildInput): Promise<DockerfileBuildResult> {
  const { docker, output } = input;
  // Taken before the first await: a stream whose producer exits meanwhile may drop what nobody reads yet.
  const context = new PassThrough();
  pipeline(input.context, context).catch((err: Error) => context.destroy(err));
  const fail = (message: string, cause?: unknown) => {
    output(` !     ${message}`);
    return explainedFailure(buildFailed(message, cause));
  };
  const timeoutMs = input.timeoutMs ?? BUILD_DEFAULTS.timeoutMs;
  const controller = new AbortController();
  let stopped: 'timeout' | 'abort' | null = null;
  const stop = (why: 'timeout' | 'abort') => {
    stopped ??= why;
    controller.abort();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('abort');
  input.signal?.addEventListener('abort', onAbort, { once: true });
  if (input.signal?.aborted) stop('abort');
  try {
    const image = `platform/${input.app}:${input.tag ?? input.buildId}`;
    const memory = (input.memoryMb ?? 2048) * 1024 * 1024;
    const lines = createBuildOutput((l) => output(`       ${l}`), BUILD_DEFAULTS.outputLimitBytes);
    const sink = lines.writable();
    let engineError: string | null = null;
    try {
      const stream = await docker.buildImage(context, {
        t: image,
        dockerfile: input.dockerfile ?? 'Dockerfile',
        buildargs: { ...input.buildArgs },
        labels: { 'platform.managed': input.instance ?? '1', 'platform.app': input.app, 'platform.app-id': input.appId, 'platform.build': input.buildId },
        memory,
        memswap: memory,
        ...(input.network ? { networkmode: input.network } : {}),
        rm: true,
        forcerm: true,
        abortSignal: controller.signal,
      } as Docker.ImageBuildOptions & { abortSignal: AbortSignal });
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err) => (err ? reject(err) : resolve()),
          (event: { stream?: string; error?: string }) => {
            if (event.stream) sink.write(event.stream);
            if (event.error) engineError ??= event.error.trim();
          },
        );
      });
    } catch (err) {
      lines.flush();
      if (stopped !== null) throw fail(stoppedReason(stopped, timeoutMs), err);
      throw fail(`The Docker engine could not build the image: ${(err as Error).message}`, err);
    }
    lines.flush();
    if (engineError !== null) throw fail(`The Dockerfile build failed: ${engineError}`);
    if (stopped !== null) throw fail(stoppedReason(stopped, timeoutMs));

    const info = await docker.getImage(image).inspect();
    return {
      image,
      exposedPorts: Object.keys(info.Config.ExposedPorts ?? {}),
      cmd: info.Config.Cmd ?? null,
      entrypoint: (info.Config.Entrypoint as string[] | null | undefined) ?? null,
    };
  } finally {
    clearTimeout(timer);
    context.destroy(); // no-op once consumed; otherwise frees the producer
    input.signal?.removeEventListener('abort', onAbort);
  }
}
