import { readFile } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { packDirectory } from '@platform/archive';
import {
  createSlugIgnore,
  describeProcessTypes,
  formatSize,
  resolveProcessTypes,
  type BuilderLogger,
} from '@platform/builder';
import { createReleaseImage } from '@platform/runtime-docker';
import {
  APP_NAME_RE,
  ErrorCodes,
  PlatformError,
  isPlatformError,
  type Builder,
  type BuildRequest,
  type BuildResult,
} from '@platform/types';
import { PATHS, buildFailed, packBuildContext } from './build-context.ts';
import { readAppFile, readContainerFiles, storeSlugFromContainer } from './container-files.ts';
import { createOutputLines } from './output-lines.ts';

export interface DockerBuilderOptions {
  docker: Docker;
  /** The stack image builds run in and release images start from, e.g. `platform/stack:bookworm-1`. */
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
  /** Value of $STACK in the build. Default `bookworm`. */
  stack?: string;
  /** This platform instance's id, in every build container's `platform.managed` label. Default `1`. */
  instance?: string | undefined;
  logger?: BuilderLogger;
}

const MiB = 1024 * 1024;
const SAFE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const LABEL_BUILD_CONTAINER = 'platform.build-container';

/**
 * For start-up: removes the build containers of this platform instance that a previous server left when it
 * died mid-build (they would run until their own end, holding the app's cache). Resolves how many.
 */
export async function sweepBuildContainers(docker: Docker, instance = '1'): Promise<number> {
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_BUILD_CONTAINER}=1`, `platform.managed=${instance}`] } });
  for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  return leftovers.length;
}

/** Named volume holding one app's build cache. */
export const cacheVolumeName = (appId: string) => `platform-cache-${appId}`;

/**
 * Builds in docker mode: buildpacks run in a throw-away container from the stack image, as the stack's
 * unprivileged user, with the source and buildpacks streamed in, the app's cache in a named volume, config
 * vars only as ENV_DIR files, and output streamed live. The built /app comes back as a slug, then becomes
 * the release image `platform/<app>:<buildId>`.
 *
 *   const builder = createDockerBuilder({ docker, stackImage, buildpacksDir, slugsDir, logger });
 *   const { image } = await builder.build({ app, appId, buildId, source, env, output: (l) => send(l) });
 */
export function createDockerBuilder(options: DockerBuilderOptions): Builder {
  const { docker, stackImage, logger } = options;
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const outputLimitBytes = options.outputLimitBytes ?? 4 * MiB;
  const user = options.user ?? { uid: 1000, gid: 1000 };

  async function build(request: BuildRequest): Promise<BuildResult> {
    // Take the source before the first await: `git archive` output nobody listens to is lost.
    const source = new PassThrough();
    pipeline(request.source, source).catch(() => {});
    const log = { app: request.app, buildId: request.buildId };
    const started = Date.now();
    try {
      if (!APP_NAME_RE.test(request.app)) throw buildFailed('Invalid app name.');
      if (!SAFE_ID_RE.test(request.appId)) throw buildFailed('Invalid app id.');
      if (!SAFE_ID_RE.test(request.buildId)) throw buildFailed('Invalid build id.');
      const result = await buildIn(request, source);
      logger?.info({ ...log, buildpack: result.buildpack, image: result.image, ms: Date.now() - started }, 'build succeeded');
      return result;
    } catch (err) {
      const error = isPlatformError(err) && err.code === ErrorCodes.buildFailed ? err : buildFailed(describe(err), err);
      logger?.warn({ ...log, reason: error.message, ms: Date.now() - started }, 'build failed');
      throw error;
    } finally {
      source.destroy();
    }
  }

  async function buildIn(request: BuildRequest, source: Readable): Promise<BuildResult> {
    const { output } = request;
    const reject = (message: string, cause?: unknown) => {
      output(` !     ${message}`);
      return buildFailed(message, cause);
    };
    const volume = await ensureCacheVolume(request.appId);
    const container = await createBuildContainer(request, volume);
    let killed: 'timeout' | 'abort' | null = null;
    const kill = (why: 'timeout' | 'abort') => {
      killed ??= why;
      container.kill().catch(() => {}); // 409: not running (yet or any more)
    };
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    const onAbort = () => kill('abort');
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await putBuildpacks(container);
      const caCertificates = options.caCertificatesFile ? await readFile(options.caCertificatesFile) : undefined;
      const context = new PassThrough();
      const packing = packBuildContext(source, context, {
        owner: user,
        env: request.env,
        maxBytes: options.sourceMaxBytes ?? 1024 * MiB,
        maxEntries: 200_000,
        caCertificates,
      });
      const [packed, put] = await Promise.allSettled([packing, container.putArchive(context, { path: '/' })]);
      if (packed.status === 'rejected') throw reject((packed.reason as Error).message, packed.reason);
      if (put.status === 'rejected') throw put.reason;

      const lines = createOutputLines(output, outputLimitBytes);
      const attached = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      const drained = new Promise<void>((resolve) => {
        attached.once('end', resolve).once('close', resolve).once('error', () => resolve());
      });
      docker.modem.demuxStream(attached, lines.sink(), lines.sink());
      if (request.signal?.aborted) kill('abort');
      if (killed === null) await container.start();
      if (killed !== null) await container.kill().catch(() => {}); // killed while starting
      const exit = (await container.wait()) as { StatusCode: number };
      // The attach stream ends right after the exit; don't hang on a stuck one.
      await Promise.race([drained, new Promise((r) => setTimeout(r, 5000).unref())]);
      lines.flush();

      if (killed === 'abort') throw reject('Build cancelled.');
      if (killed === 'timeout') throw reject(`Build timed out after ${Math.round(timeoutMs / 1000)} s and was stopped.`);
      if (exit.StatusCode !== 0) {
        const state = (await container.inspect()).State;
        if (state.OOMKilled) throw reject(`The build ran out of memory (limit ${options.memoryMb ?? 2048} MB).`);
        // The runner already printed the Heroku-style reason for its own exit codes.
        const reasons: Record<number, string> = {
          1: 'The buildpack failed to compile the app.',
          2: 'No default language could be detected for this app.',
          3: "The buildpack's bin/release failed.",
        };
        const known = reasons[exit.StatusCode];
        if (known) throw buildFailed(known);
        throw reject(`The build runner exited with ${exit.StatusCode}.`);
      }

      const out = await readContainerFiles(container, PATHS.out);
      const releaseYaml = out.get('release.yml') ?? null;
      const buildpack = (out.get('release.yml.buildpack') ?? '').trim() || 'unknown';
      let resolved;
      let exclude;
      try {
        resolved = resolveProcessTypes(await readAppFile(container, PATHS.build, 'Procfile'), releaseYaml);
        exclude = createSlugIgnore(await readAppFile(container, PATHS.build, '.slugignore'));
      } catch (err) {
        throw reject((err as Error).message, err);
      }
      for (const line of describeProcessTypes(resolved)) output(line);
      output('');

      output('-----> Compressing...');
      let slug;
      try {
        slug = await storeSlugFromContainer(container, PATHS.build, options.slugsDir, {
          maxBytes: options.slugMaxBytes ?? 1024 * MiB,
          exclude,
        });
      } catch (err) {
        throw reject(isPlatformError(err) ? err.message : `Could not write the slug: ${(err as Error).message}`, err);
      }
      output(`       Done: ${formatSize(slug.size)}`);

      output('-----> Creating image...');
      const image = await createReleaseImage({
        docker,
        stackImage,
        slugPath: slug.path,
        app: request.app,
        appId: request.appId,
        buildId: request.buildId,
        owner: user,
        logger,
      });
      output(`       Image ${image}`);
      return { slug, processTypes: resolved.processTypes, buildpack, image };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      // The container's writable layer holds ENV_DIR: it goes with the container, volumes kept.
      await container.remove({ force: true }).catch((err: unknown) => {
        logger?.error({ app: request.app, buildId: request.buildId, err }, 'could not remove build container');
      });
    }
  }

  function createBuildContainer(request: BuildRequest, volume: string): Promise<Docker.Container> {
    const runner = `${PATHS.buildpacks}/_runner/build`;
    return docker
      .createContainer({
        name: `platform-build-${request.app}-${request.buildId}`,
        Image: stackImage,
        Entrypoint: [],
        Cmd: ['bash', runner, PATHS.build, PATHS.cache, PATHS.env, PATHS.buildpacks, PATHS.releaseOut],
        User: `${user.uid}:${user.gid}`,
        WorkingDir: PATHS.build,
        // Platform values only: config vars reach the build as ENV_DIR files, never here.
        Env: [
          `HOME=${PATHS.home}`,
          `STACK=${options.stack ?? 'bookworm'}`,
          'LANG=C.UTF-8',
          `REQUEST_ID=${request.buildId}`,
          ...(options.caCertificatesFile ? [`NODE_EXTRA_CA_CERTS=${PATHS.caCertificates}`] : []),
        ],
        Labels: {
          [LABEL_BUILD_CONTAINER]: '1',
          'platform.managed': options.instance ?? '1',
          'platform.app': request.app,
          'platform.app-id': request.appId,
          'platform.build': request.buildId,
        },
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        OpenStdin: false,
        HostConfig: {
          NetworkMode: options.network ?? 'bridge',
          Init: true, // tini as PID 1: a kill takes the whole build down
          Memory: (options.memoryMb ?? 2048) * MiB,
          PidsLimit: options.pids ?? 1024,
          ...(options.cpus ? { NanoCpus: Math.round(options.cpus * 1e9) } : {}),
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          Privileged: false,
          Binds: [],
          Mounts: [{ Type: 'volume', Source: volume, Target: PATHS.cache }],
          // Output is streamed to the pusher; the engine keeps no copy.
          LogConfig: { Type: 'none', Config: {} },
          RestartPolicy: { Name: 'no' },
        },
      })
      .catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode === 404) {
          throw buildFailed(`Stack image ${stackImage} is missing on this Docker host. Run scripts/build-stack-image.sh.`, err);
        }
        throw err;
      });
  }

  /** The buildpacks, owned by root (the build can read and run them, not change them). */
  async function putBuildpacks(container: Docker.Container): Promise<void> {
    const archive = new PassThrough();
    const [packed, put] = await Promise.allSettled([
      packDirectory(options.buildpacksDir, archive, { prefix: PATHS.buildpacks.slice(1) }),
      container.putArchive(archive, { path: '/' }),
    ]);
    if (packed.status === 'rejected') throw packed.reason;
    if (put.status === 'rejected') throw put.reason;
  }

  /**
   * The app's cache volume. A new, empty named volume takes the owner of the image directory it is first
   * mounted over (Docker copies it up at create): mounting it once over /app, which belongs to the dyno
   * user, in a container that is never started, makes the cache writable by builds without running as root.
   */
  async function ensureCacheVolume(appId: string): Promise<string> {
    const name = cacheVolumeName(appId);
    try {
      await docker.getVolume(name).inspect();
      return name;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    await docker.createVolume({ Name: name, Labels: { 'platform.app-id': appId, 'platform.cache': '1' } });
    try {
      const primer = await docker.createContainer({
        Image: stackImage,
        Entrypoint: [],
        Cmd: ['true'],
        NetworkDisabled: true,
        Labels: { [LABEL_BUILD_CONTAINER]: '1', 'platform.managed': options.instance ?? '1', 'platform.app-id': appId },
        HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: name, Target: PATHS.build }] },
      });
      await primer.remove({ force: true });
    } catch (err) {
      await docker.getVolume(name).remove().catch(() => {});
      throw err;
    }
    return name;
  }

  async function forgetApp(appId: string): Promise<void> {
    await docker
      .getVolume(cacheVolumeName(appId))
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
  }

  return { build, forgetApp };
}

function describe(err: unknown): string {
  if (err instanceof PlatformError) return err.message;
  const status = (err as { statusCode?: number }).statusCode;
  const reason = (err as { json?: { message?: string } }).json?.message ?? (err as Error)?.message ?? String(err);
  return `Build failed: ${status ? `Docker (HTTP ${status}): ` : ''}${String(reason).trim()}`;
}
