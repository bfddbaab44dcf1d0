import { createReadStream, createWriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { buildFailed, createBuildOutput, BUILD_DEFAULTS, APP_FILE_MAX_BYTES } from '@platform/builder-kit';

/**
 * Dockerfile deploys, first part (issue 18, item 4): the image built from the app's own Dockerfile by the Docker
 * engine. Not wired into pushes yet — the deployer, the docker runtime (run the image's way, not the slug's
 * launch script), rollbacks (no slug to rebuild from) and the process runtime's refusal come next.
 *
 *   const { image } = await buildDockerfileImage({ docker, app, appId, buildId, source, env, output });
 *
 * - the source tar is the build context, spooled to a temp file (at most `sourceMaxBytes`);
 * - config reaches the build only as build args the Dockerfile declares (`ARG NAME`): nothing else of the app's
 *   config is sent to the engine, so an undeclared value cannot land in a layer, the history or a label;
 * - output (`Step 1/4 : FROM …`) goes to `output` line by line, under the same cap as buildpack builds;
 * - a time limit (the build is cancelled) and a memory limit for the build's RUN steps;
 * - the image is tagged `platform/<app>:<buildId>` and labelled like buildpack release images.
 */
export interface DockerfileBuildInput {
  docker: Docker;
  app: string;
  appId: string;
  buildId: string;
  /** A tar stream of the source tree (git archive). */
  source: Readable;
  /** The app's config vars: only those the Dockerfile declares as ARG are passed, as build args. */
  env: Readonly<Record<string, string>>;
  output: (line: string) => void;
  signal?: AbortSignal | undefined;
  /** Default BUILD_DEFAULTS.timeoutMs. */
  timeoutMs?: number | undefined;
  /** Memory of each build step's container, MB. Default 2048. */
  memoryMb?: number | undefined;
  /** `platform.managed` label value. Default `1`. */
  instance?: string | undefined;
  sourceMaxBytes?: number | undefined;
}

export interface DockerfileBuildResult {
  image: string;
  /** The image's EXPOSE ports (`5000/tcp`), its CMD and ENTRYPOINT, for the runtime to respect. */
  exposedPorts: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  /** The Dockerfile's declared ARGs that config gave a value to (names only). */
  buildArgs: string[];
}

const ARG_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The names a Dockerfile declares with `ARG` (line continuations joined; `ARG A=1 B` declares both). */
export function declaredBuildArgs(dockerfile: string): string[] {
  const names = new Set<string>();
  const logical = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const line of logical) {
    const m = /^\s*ARG\s+(.+)$/i.exec(line);
    if (!m) continue;
    for (const token of m[1]!.trim().split(/\s+/)) {
      const name = token.split('=')[0]!;
      if (ARG_NAME_RE.test(name)) names.add(name);
    }
  }
  return [...names];
}

/** Writes the source tar to `file` (refusing more than `maxBytes`); resolves the Dockerfile's text, or null. */
async function spoolContext(source: Readable, file: string, maxBytes: number): Promise<string | null> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(buildFailed(`The source is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`));
      done(null, chunk);
    },
  });
  await pipeline(source, limit, createWriteStream(file, { mode: 0o600 }));

  let dockerfile: string | null = null;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (name === 'Dockerfile' && header.type === 'file' && (header.size ?? 0) <= APP_FILE_MAX_BYTES) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        dockerfile = Buffer.concat(chunks).toString('utf8');
        next();
      });
    } else {
      stream.on('end', next);
      stream.resume();
    }
  });
  await pipeline(createReadStream(file), extract);
  return dockerfile;
}

/** Builds the app's Dockerfile into `platform/<app>:<buildId>`. Throws PLT_BUILD_FAILED (already on `output`). */
export async function buildDockerfileImage(input: DockerfileBuildInput): Promise<DockerfileBuildResult> {
  const { docker, output } = input;
  // Taken before the first await: a stream whose producer exits meanwhile may drop what nobody reads yet.
  const source = new PassThrough();
  pipeline(input.source, source).catch(() => {}); // errors reach the reader through `source`
  const fail = (message: string, cause?: unknown) => {
    output(` !     ${message}`);
    return buildFailed(message, cause);
  };
  const timeoutMs = input.timeoutMs ?? BUILD_DEFAULTS.timeoutMs;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'platform-dockerfile-'));
  const controller = new AbortController();
  let stopped: 'timeout' | 'abort' | null = null;
  const timer = setTimeout(() => {
    stopped ??= 'timeout';
    controller.abort();
  }, timeoutMs);
  const onAbort = () => {
    stopped ??= 'abort';
    controller.abort();
  };
  input.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const context = path.join(dir, 'context.tar');
    const dockerfile = await spoolContext(source, context, input.sourceMaxBytes ?? BUILD_DEFAULTS.sourceMaxBytes);
    if (dockerfile === null) throw fail('No Dockerfile at the root of the app (a regular file, at most 1 MB).');
    const declared = declaredBuildArgs(dockerfile);
    const buildargs = Object.fromEntries(declared.filter((n) => n in input.env).map((n) => [n, input.env[n]!]));
    output('-----> Building the Dockerfile');
    if (Object.keys(buildargs).length > 0) output(`       Build args from config: ${Object.keys(buildargs).join(', ')}`);

    const image = `platform/${input.app}:${input.buildId}`;
    const memory = (input.memoryMb ?? 2048) * 1024 * 1024;
    const lines = createBuildOutput((l) => output(`       ${l}`), BUILD_DEFAULTS.outputLimitBytes);
    const sink = lines.writable();
    let engineError: string | null = null;
    try {
      const stream = await docker.buildImage(createReadStream(context), {
        t: image,
        buildargs,
        labels: { 'platform.managed': input.instance ?? '1', 'platform.app': input.app, 'platform.app-id': input.appId, 'platform.build': input.buildId },
        memory,
        memswap: memory,
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
      if (stopped === 'timeout') throw fail(`Build timed out after ${Math.round(timeoutMs / 1000)} s and was stopped.`, err);
      if (stopped === 'abort') throw fail('Build cancelled.', err);
      throw fail(`The Docker engine could not build the image: ${(err as Error).message}`, err);
    }
    lines.flush();
    if (engineError !== null) throw fail(`The Dockerfile build failed: ${engineError}`);
    if (stopped !== null) throw fail(stopped === 'timeout' ? `Build timed out after ${Math.round(timeoutMs / 1000)} s and was stopped.` : 'Build cancelled.');

    const info = await docker.getImage(image).inspect();
    output(`       Image ${image}`);
    return {
      image,
      exposedPorts: Object.keys(info.Config.ExposedPorts ?? {}),
      cmd: info.Config.Cmd ?? null,
      entrypoint: (info.Config.Entrypoint as string[] | null | undefined) ?? null,
      buildArgs: Object.keys(buildargs),
    };
  } finally {
    clearTimeout(timer);
    source.destroy(); // no-op once consumed; otherwise frees the producer
    input.signal?.removeEventListener('abort', onAbort);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
