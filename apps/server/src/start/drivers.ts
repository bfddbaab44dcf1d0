import type { Logger } from 'pino';
import type { Builder, Runtime } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { createProcessRuntime, sweepOrphanedDynos } from '@platform/runtime-process';
import { createDockerRuntime } from '@platform/runtime-docker';
import { createRegistryClient, createSwarmRuntime, removeNodeGcLeftovers, type RegistryClient } from '@platform/runtime-swarm';
import { createDockerBuilder, sweepBuildContainers } from '@platform/builder-docker';
import { createLocalBuilder, sweepBuildWorkspaces } from '@platform/builder-local';
import type { ServerConfig } from '../config.ts';
import { chooseRuntime, type RuntimeDecision } from '../runtime-choice.ts';
import { processIsolation } from '../process-isolation.ts';
import { createImageGc, type ImageGc } from '../image-gc.ts';
import { createNodeCollector } from '../node-image-gc.ts';
import type { CleanupStack } from './cleanup-stack.ts';
import type { DataDirs } from './data-dirs.ts';
import { fenceDockerWorkloads } from './docker-networks.ts';

export interface Drivers {
  decision: RuntimeDecision;
  runtime: Runtime;
  builder: Builder;
  /**
   * Docker and swarm mode: release images are collected after each deploy, at start and on POST
   * /admin/prune-images; swarm: on the manager's engine, in the registry and (a Swarm job) on the other nodes.
   */
  gc: ImageGc | null;
  /** Swarm mode: the registry release images go to, as nodes name it (`host`) and as platformd reaches its API. */
  registry: { host: string; client: RegistryClient } | null;
}

/**
 * The runtime and builder pair this server uses (PLATFORM_RUNTIME, or docker when an engine answers), after
 * clearing what a previous server that died left: build containers (docker), or orphaned dynos and build
 * workspaces (process mode, where dynos cannot be adopted). Docker dynos are left for the manager to adopt.
 * Throws PLT_RUNTIME_UNAVAILABLE when the chosen runtime cannot run (no engine, no stack image).
 */
export async function createDrivers(
  config: Readonly<ServerConfig>,
  context: { instance: string; dirs: DataDirs; store: Store; logger: Logger; cleanups: CleanupStack },
): Promise<Drivers> {
  const { instance, dirs, store, logger, cleanups } = context;
  const decision = await chooseRuntime(config, logger);
  logger.info({ runtime: decision.kind, reason: decision.reason }, `using the ${decision.kind} runtime`);
  const builderLogger = logger.child({ component: 'builder' });
  let drivers: Drivers;
  if (decision.kind === 'docker' || decision.kind === 'swarm') {
    const registry =
      decision.kind === 'swarm' && config.registry && config.registryUrl
        ? { host: config.registry, client: createRegistryClient({ url: config.registryUrl }) }
        : null;
    // Swarm: builds run on the manager's engine; the deployer pushes each release image to the registry.
    const leftover = await sweepBuildContainers(decision.docker, instance);
    if (leftover > 0) logger.warn({ leftover }, 'removed the build containers a previous server left behind');
    const buildNetwork = await fenceDockerWorkloads(config, decision.docker, logger);
    const runtimeLogger = logger.child({ component: 'runtime' });
    drivers = {
      decision,
      runtime:
        decision.kind === 'swarm'
          ? createSwarmRuntime({
              docker: decision.docker,
              instance,
              logger: runtimeLogger,
              registry: config.registry ?? undefined,
              addresses: config.swarmAddresses,
              stopGraceMs: config.graceMs,
              ...(config.dynoNetwork ? { networking: { mode: 'shared', name: config.dynoNetwork } } : {}),
            })
          : createDockerRuntime({
              docker: decision.docker,
              instance,
              logger: runtimeLogger,
              networking: config.dynoNetwork ? { mode: 'shared', name: config.dynoNetwork } : { mode: 'per-app', pool: config.dynoSubnets },
            }),
      // Buildpacks run in a build container from the stack image, never on the host; the build returns the
      // release image.
      builder: createDockerBuilder({
        docker: decision.docker,
        instance,
        stackImage: config.stackImage,
        buildpacksDir: config.buildpacksDir,
        slugsDir: dirs.slugs,
        timeoutMs: config.buildTimeoutMs,
        memoryMb: config.buildMemoryMb,
        caCertificatesFile: config.buildCaFile ?? undefined,
        network: buildNetwork,
        // Node.js releases and other downloads any app's build may reuse (verified at every use).
        sharedCacheVolume: config.sharedCacheVolume ?? `platform-shared-cache-${instance}`,
        logger: builderLogger,
      }),
      gc: createImageGc({
        docker: decision.docker,
        store,
        keep: config.imagesToKeep,
        registry: registry ?? undefined,
        logger: logger.child({ component: 'gc' }),
        collectOnNodes: registry
          ? createNodeCollector({ docker: decision.docker, registry, stackImage: config.stackImage, instance, socket: config.swarmNodeSocket, logger: logger.child({ component: 'gc' }) })
          : undefined,
      }),
      registry,
    };
  } else {
    const isolation = await processIsolation(config, logger);
    const swept = await sweepOrphanedDynos(dirs.dynoRegistry);
    if (swept > 0) logger.warn({ swept }, 'stopped dynos left running by a previous server');
    // So are its builds: their processes end and their workspaces (with config-var files) go.
    const builds = await sweepBuildWorkspaces(dirs.builds);
    if (builds.processes + builds.workspaces > 0) logger.warn(builds, 'removed the builds a previous server left behind');
    drivers = {
      decision,
      runtime: createProcessRuntime({
        registryDir: dirs.dynoRegistry,
        dynosDir: dirs.dynos,
        logger: logger.child({ component: 'runtime' }),
        runAs: isolation.dynoUser,
        pidNamespace: isolation.dynoPidNamespace,
      }),
      // Buildpacks (npm, the app's build script) never run as root, and each build runs in its own PID namespace.
      builder: createLocalBuilder({
        ...(isolation.buildUser ? { user: isolation.buildUser } : {}),
        pidNamespace: isolation.buildPidNamespace,
        buildpacksDir: config.buildpacksDir,
        cacheDir: dirs.cache,
        sharedCacheDir: config.sharedCacheDir ?? dirs.sharedCache,
        slugsDir: dirs.slugs,
        workDir: dirs.builds,
        timeoutMs: config.buildTimeoutMs,
        logger: builderLogger,
      }),
      gc: null,
      registry: null,
    };
  }
  cleanups.defer(() => drivers.runtime.close());
  // A node collection under way at shutdown leaves no job behind (the next start would remove it anyway).
  if (decision.kind === 'swarm') cleanups.defer(() => removeNodeGcLeftovers(decision.docker, instance));
  return drivers;
}

