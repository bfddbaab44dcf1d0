import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { packDirectory } from '@platform/archive';
import { buildFailed, runnerArgv, runnerEnvironment } from '@platform/builder-kit';
import type { BuildRequest } from '@platform/types';
import { PATHS } from './build-context.ts';

const MiB = 1024 * 1024;
export const LABEL_BUILD_CONTAINER = 'platform.build-container';

/** Named volume holding one app's build cache. */
export const cacheVolumeName = (appId: string) => `platform-cache-${appId}`;

/** How build containers are made (a subset of `DockerBuilderOptions`). */
export interface BuildContainerOptions {
  docker: Docker;
  stackImage: string;
  user: { uid: number; gid: number };
  stack: string;
  instance: string;
  network?: string | undefined;
  memoryMb: number;
  pids?: number | undefined;
  cpus?: number | undefined;
  caCertificates: boolean;
  /** Named volume shared by every app's builds at PATHS.sharedCache (`SHARED_CACHE_DIR`); none when unset. */
  sharedCacheVolume?: string | undefined;
}

/**
 * For start-up: removes the build containers of this platform instance that a previous server left when it
 * died mid-build (they would run until their own end, holding the app's cache). Resolves how many.
 */
export async function sweepBuildContainers(docker: Docker, instance = '1'): Promise<number> {
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_BUILD_CONTAINER}=1`, `platform.managed=${instance}`] } });
  for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  return leftovers.length;
}

/**
 * The (not yet started) build container of `request`: the runner as the stack's unprivileged user, platform values
 * only in its environment, the app's cache volume at PATHS.cache, tini as PID 1, no capabilities, limits, no logs.
 * A missing stack image → PLT_BUILD_FAILED saying how to build it.
 */
export function createBuildContainer(o: BuildContainerOptions, request: BuildRequest, volume: string): Promise<Docker.Container> {
  const sharedCache = o.sharedCacheVolume ? PATHS.sharedCache : undefined;
  const env = runnerEnvironment({ home: PATHS.home, stack: o.stack, buildId: request.buildId, sharedCache });
  return o.docker
    .createContainer({
      name: `platform-build-${request.app}-${request.buildId}`,
      Image: o.stackImage,
      Entrypoint: [],
      Cmd: [
        'bash',
        ...runnerArgv({ buildpacks: PATHS.buildpacks, build: PATHS.build, cache: PATHS.cache, env: PATHS.env, releaseOut: PATHS.releaseOut }, request.buildpacks),
      ],
      User: `${o.user.uid}:${o.user.gid}`,
      WorkingDir: PATHS.build,
      // Platform values only: config vars reach the build as ENV_DIR files, never here.
      Env: [
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        ...(o.caCertificates ? [`NODE_EXTRA_CA_CERTS=${PATHS.caCertificates}`] : []),
      ],
      Labels: {
        [LABEL_BUILD_CONTAINER]: '1',
        'platform.managed': o.instance,
        'platform.app': request.app,
        'platform.app-id': request.appId,
        'platform.build': request.buildId,
      },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        NetworkMode: o.network ?? 'bridge',
        Init: true, // tini as PID 1: a kill takes the whole build down
        Memory: o.memoryMb * MiB,
        PidsLimit: o.pids ?? 1024,
        ...(o.cpus ? { NanoCpus: Math.round(o.cpus * 1e9) } : {}),
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Privileged: false,
        Binds: [],
        Mounts: [
          { Type: 'volume', Source: volume, Target: PATHS.cache },
          ...(o.sharedCacheVolume ? [{ Type: 'volume' as const, Source: o.sharedCacheVolume, Target: PATHS.sharedCache }] : []),
        ],
        // Output is streamed to the pusher; the engine keeps no copy.
        LogConfig: { Type: 'none', Config: {} },
        RestartPolicy: { Name: 'no' },
      },
    })
    .catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw buildFailed(`Stack image ${o.stackImage} is missing on this Docker host. Run scripts/build-stack-image.sh.`, err);
      }
      throw err;
    });
}

/** Copies the buildpacks dir into the container at PATHS.buildpacks, owned by root (readable, not writable). */
export async function putBuildpacks(container: Docker.Container, buildpacksDir: string): Promise<void> {
  const archive = new PassThrough();
  const [packed, put] = await Promise.allSettled([
    packDirectory(buildpacksDir, archive, { prefix: PATHS.buildpacks.slice(1) }),
    container.putArchive(archive, { path: '/' }),
  ]);
  if (packed.status === 'rejected') throw packed.reason;
  if (put.status === 'rejected') throw put.reason;
}

/**
 * The app's cache volume (created when missing). A new, empty named volume takes the owner of the image directory
 * it is first mounted over (Docker copies it up at create): mounting it once over /app, which belongs to the dyno
 * user, in a container that is never started, makes the cache writable by builds without running as root.
 */
export function ensureCacheVolume(o: BuildContainerOptions, appId: string): Promise<string> {
  return ensureBuildVolume(o, cacheVolumeName(appId), { 'platform.app-id': appId, 'platform.cache': '1' });
}

/** The shared cache volume (created when missing, writable by builds as `ensureCacheVolume`'s are). */
export function ensureSharedCacheVolume(o: BuildContainerOptions, name: string): Promise<string> {
  return ensureBuildVolume(o, name, { 'platform.managed': o.instance, 'platform.shared-cache': '1' });
}

async function ensureBuildVolume(o: BuildContainerOptions, name: string, labels: Record<string, string>): Promise<string> {
  const { docker } = o;
  try {
    await docker.getVolume(name).inspect();
    return name;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  await docker.createVolume({ Name: name, Labels: labels });
  try {
    const primer = await docker.createContainer({
      Image: o.stackImage,
      Entrypoint: [],
      Cmd: ['true'],
      NetworkDisabled: true,
      Labels: { [LABEL_BUILD_CONTAINER]: '1', 'platform.managed': o.instance, ...labels },
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: name, Target: PATHS.build }] },
    });
    await primer.remove({ force: true });
  } catch (err) {
    await docker.getVolume(name).remove().catch(() => {});
    throw err;
  }
  return name;
}
