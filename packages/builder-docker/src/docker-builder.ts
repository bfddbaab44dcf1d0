import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import {
  BUILD_DEFAULTS,
  createBuildOutput,
  createRejecter,
  finishBuild,
  runBuild,
  runnerFailure,
  parseHerokuManifest,
  APP_FILE_MAX_BYTES,
  HEROKU_MANIFEST,
  RUNNER_DOCKERFILE_EXIT,
  stoppedReason,
  type BuilderLogger,
} from '@platform/builder-kit';
import { PlatformError, type Builder, type BuildRequest, type BuildResult } from '@platform/types';
import { PATHS, packBuildContext } from './build-context.ts';
import {
  cacheVolumeName,
  createBuildContainer,
  ensureCacheVolume,
  ensureSharedCacheVolume,
  putBuildpacks,
  type BuildContainerOptions,
} from './build-container.ts';
import { readAppFile, readContainerFiles, storeSlugFromContainer } from './container-files.ts';
import { createReleaseImage } from './release-image.ts';
import { DEFAULT_DOCKERFILE_PLAN, deployDockerfile, type DockerfileDeployOptions } from './dockerfile-deploy.ts';
import { spoolSource } from './source-spool.ts';

export interface DockerBuilderOptions {
  docker: Docker;
  /** The stack image builds run in and release images start from, e.g. `platform/stack:bookworm-4`. */
  stackImage: string;
  /** Host directory with `order`, one directory per buildpack and `_runner/build`; copied into each build. */
  buildpacksDir: string;
  /** Content-addressed slugs: `<slugsDir>/<sha256>.tgz`. */
  slugsDir: string;
  /** The build is killed and removed after this long. Default 15 min. */
  timeoutMs?: number;
  /** Build output beyond this is dropped with one notice; the build continues. Default 4 MiB. */
  outputLimitBytes?: number;
  /** Refuse source trees larger than this (bytes of file data). Default 1 GiB. */
  sourceMaxBytes?: number;
  /** Refuse compressed slugs larger than this. Default 1 GiB. */
  slugMaxBytes?: number;
  /** Network of the build container (buildpacks fetch dependencies). Default `bridge`. */
  network?: string;
  /** Limits of the build container. Defaults: 2048 MiB, 1024 pids, no CPU cap. */
  memoryMb?: number;
  pids?: number;
  cpus?: number;
  /** The stack's unprivileged user (owner of /app in the stack image). Default 1000:1000. */
  user?: { uid: number; gid: number };
  /**
   * Host path of a PEM bundle the build trusts in addition to the stack's own CAs (as NODE_EXTRA_CA_CERTS),
   * e.g. the host's `/etc/ssl/certs/ca-certificates.crt` behind a TLS-intercepting proxy. Default none.
   */
  caCertificatesFile?: string | undefined;
  /**
   * Named volume every app's builds share at `SHARED_CACHE_DIR` (created when missing), for downloads any app can
   * reuse, e.g. Node.js releases. Untrusted by design: buildpacks verify what they read there. Default none.
   */
  sharedCacheVolume?: string | undefined;
  /** Value of $STACK in the build. Default `bookworm`. */
  stack?: string;
  /** This platform instance's id, in every build container's `platform.managed` label. Default `1`. */
  instance?: string | undefined;
  logger?: BuilderLogger;
}

/**
 * Builds in docker mode: buildpacks run in a throw-away container from the stack image, as the stack's
 * unprivileged user, with the source and buildpacks streamed in, the app's cache in a named volume, config
 * vars only as ENV_DIR files, and output streamed live. The built /app comes back as a slug, then becomes
 * the release image `platform/<app>:<buildId>`. Throws PLT_BUILD_FAILED.
 *
 *   const builder = createDockerBuilder({ docker, stackImage, buildpacksDir, slugsDir, logger });
 *   const { image } = await builder.build({ app, appId, buildId, source, env, output: (l) => send(l) });
 */
export function createDockerBuilder(options: DockerBuilderOptions): Builder {
  const { docker, stackImage, logger } = options;
  const timeoutMs = options.timeoutMs ?? BUILD_DEFAULTS.timeoutMs;
  const user = options.user ?? { uid: 1000, gid: 1000 };
  const memoryMb = options.memoryMb ?? 2048;
  const containers: BuildContainerOptions = {
    docker,
    stackImage,
    user,
    stack: options.stack ?? BUILD_DEFAULTS.stack,
    instance: options.instance ?? '1',
    network: options.network,
    memoryMb,
    pids: options.pids,
    cpus: options.cpus,
    caCertificates: Boolean(options.caCertificatesFile),
    sharedCacheVolume: options.sharedCacheVolume,
  };

  /** A buildpack build; `'dockerfile'` when no buildpack matches and the app has a Dockerfile (runner exit 5). */
  async function buildIn(request: BuildRequest, source: Readable): Promise<BuildResult | 'dockerfile'> {
    const { output } = request;
    const reject = createRejecter(output);
    const volume = await ensureCacheVolume(containers, request.appId);
    if (options.sharedCacheVolume) await ensureSharedCacheVolume(containers, options.sharedCacheVolume);
    const container = await createBuildContainer(containers, request, volume);
    let killed: 'timeout' | 'abort' | null = null;
    const kill = (why: 'timeout' | 'abort') => {
      killed ??= why;
      container.kill().catch(() => {}); // 409: not running (yet or any more)
    };
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    const onAbort = () => kill('abort');
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await putBuildpacks(container, options.buildpacksDir);
      const caCertificates = options.caCertificatesFile ? await readFile(options.caCertificatesFile) : undefined;
      const context = new PassThrough();
      const packing = packBuildContext(source, context, {
        owner: user,
        env: request.env,
        maxBytes: options.sourceMaxBytes ?? BUILD_DEFAULTS.sourceMaxBytes,
        maxEntries: BUILD_DEFAULTS.sourceMaxEntries,
        caCertificates,
      });
      const [packed, put] = await Promise.allSettled([packing, container.putArchive(context, { path: '/' })]);
      if (packed.status === 'rejected') throw reject((packed.reason as Error).message, packed.reason);
      if (put.status === 'rejected') throw put.reason;

      const lines = createBuildOutput(output, options.outputLimitBytes ?? BUILD_DEFAULTS.outputLimitBytes);
      const attached = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      const drained = new Promise<void>((resolve) => {
        attached.once('end', resolve).once('close', resolve).once('error', () => resolve());
      });
      docker.modem.demuxStream(attached, lines.writable(), lines.writable());
      if (request.signal?.aborted) kill('abort');
      if (killed === null) await container.start();
      if (killed !== null) await container.kill().catch(() => {}); // killed while starting
      const exit = (await container.wait()) as { StatusCode: number };
      // The attach stream ends right after the exit; don't hang on a stuck one.
      await Promise.race([drained, new Promise((r) => setTimeout(r, 5000).unref())]);
      lines.flush();

      if (killed !== null) throw reject(stoppedReason(killed, timeoutMs));
      if (exit.StatusCode === RUNNER_DOCKERFILE_EXIT) return 'dockerfile';
      if (exit.StatusCode !== 0) {
        const state = (await container.inspect()).State;
        if (state.OOMKilled) throw reject(`The build ran out of memory (limit ${memoryMb} MB).`);
        throw runnerFailure(exit.StatusCode, reject);
      }

      let runnerOutputs: Promise<Map<string, string | null>> | undefined;
      const result = await finishBuild(
        {
          readAppFile: (name) => readAppFile(container, PATHS.build, name),
          async readRunnerOutput(name, maxBytes) {
            runnerOutputs ??= readContainerFiles(container, PATHS.out);
            const content = (await runnerOutputs).get(name) ?? null;
            return content !== null && Buffer.byteLength(content) <= maxBytes ? content : null;
          },
          packSlug: (exclude) =>
            storeSlugFromContainer(container, PATHS.build, options.slugsDir, {
              maxBytes: options.slugMaxBytes ?? BUILD_DEFAULTS.slugMaxBytes,
              exclude,
            }),
        },
        output,
        reject,
      );

      output('-----> Creating image...');
      const image = await createReleaseImage({
        docker,
        stackImage,
        slugPath: result.slug.path,
        app: request.app,
        appId: request.appId,
        buildId: request.buildId,
        owner: user,
        logger,
      });
      output(`       Image ${image}`);
      return { ...result, image };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      // The container's writable layer holds ENV_DIR: it goes with the container, volumes kept.
      await container.remove({ force: true }).catch((err: unknown) => {
        logger?.error({ app: request.app, buildId: request.buildId, err }, 'could not remove build container');
      });
    }
  }

  const dockerfiles: DockerfileDeployOptions = { docker, timeoutMs, memoryMb, network: options.network, instance: containers.instance };

  /**
   * Which build: heroku.yml's `build.docker` wins (over the app's chosen buildpacks too: it is in the repository,
   * next to the code it builds), then the chosen buildpacks, then detection, whose no-match falls to the
   * Dockerfile if there is one. A Dockerfile beside a package.json builds with buildpacks unless heroku.yml says
   * docker: the Dockerfile may be for local development, and a buildpack build keeps a slug.
   */
  async function chooseAndBuild(request: BuildRequest, held: Readable): Promise<BuildResult> {
    const reject = createRejecter(request.output);
    const dir = await mkdtemp(path.join(tmpdir(), 'platform-build-source-'));
    try {
      const source = await spoolSource(held, path.join(dir, 'source.tar'), options.sourceMaxBytes ?? BUILD_DEFAULTS.sourceMaxBytes).catch(
        (err: Error) => {
          throw reject(err.message, err);
        },
      );
      let plan;
      try {
        plan = parseHerokuManifest(await source.readFile(HEROKU_MANIFEST, APP_FILE_MAX_BYTES));
      } catch (err) {
        throw reject((err as Error).message, err);
      }
      if (plan) {
        request.output('-----> heroku.yml: building the Dockerfile');
        if (request.buildpacks?.length) request.output(`       heroku.yml build.docker wins over the app's buildpacks (${request.buildpacks.join(', ')})`);
        return await deployDockerfile(request, source, plan, dockerfiles, reject);
      }
      const built = await buildIn(request, source.open());
      if (built !== 'dockerfile') return built;
      return await deployDockerfile(request, source, DEFAULT_DOCKERFILE_PLAN, dockerfiles, reject);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    build: (request) => runBuild(request, { logger, describe }, (source) => chooseAndBuild(request, source)),
    async forgetApp(appId: string): Promise<void> {
      await docker
        .getVolume(cacheVolumeName(appId))
        .remove()
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        });
    },
  };
}

/** A Docker error's message, with the engine's HTTP status. */
function describe(err: unknown): string {
  if (err instanceof PlatformError) return err.message;
  const status = (err as { statusCode?: number }).statusCode;
  const reason = (err as { json?: { message?: string } }).json?.message ?? (err as Error)?.message ?? String(err);
  return `Build failed: ${status ? `Docker (HTTP ${status}): ` : ''}${String(reason).trim()}`;
}
