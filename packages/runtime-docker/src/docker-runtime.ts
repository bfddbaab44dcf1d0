import type Docker from 'dockerode';
import { ErrorCodes, PlatformError, type DynoSize, type Runtime } from '@platform/types';
import { createRuntimeEvents, type RuntimeLogger } from '@platform/runtime-kit';
import type { DockerContext } from './docker-context.ts';
import { listDynos } from './list-dynos.ts';
import { createNetworkGate } from './network.ts';
import { startAttachedDyno, startDyno } from './start-dyno.ts';
import { stopContainer } from './stop-dyno.ts';

export interface DockerRuntimeOptions {
  /** A dockerode client, created by the app. */
  docker: Docker;
  logger?: RuntimeLogger | undefined;
  /** Bridge network the dynos join (created if missing). The router must reach it. Default `platform`. */
  network?: string | undefined;
  /** Limits when a spec has no size. Default 512 MiB, 256 pids. */
  defaultSize?: DynoSize | undefined;
  /** Container user. Default `1000:1000` (the stack's `dyno` user). */
  user?: string | undefined;
  /** $PORT inside every dyno (each container has its own IP). Default 5000. */
  port?: number | undefined;
  /**
   * This platform instance's id, stored in every container's `platform.managed` label: list, adopt and stop
   * only ever see containers with our id, so several platforms can share one Docker engine. Default `1` (the
   * value before ids existed). [A-Za-z0-9_.-], 1–64 characters.
   */
  instance?: string | undefined;
}

/**
 * The `docker` runtime: each dyno is a container of its release image on one bridge network (see README). The
 * parts live in files of their own: start-dyno (start, startAttached), dyno-watch + log-follow (output and exit),
 * stop-dyno, list-dynos (with adoption). Throws PLT_INVALID_PARAMS for an invalid `instance`.
 *
 *   const runtime = createDockerRuntime({ docker: new Docker(), logger, instance: 'a1b2' });
 */
export function createDockerRuntime(options: DockerRuntimeOptions): Runtime {
  const { docker, logger } = options;
  const network = options.network ?? 'platform';
  const instance = options.instance ?? '1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) throw new PlatformError(ErrorCodes.invalidParams, 'Invalid platform instance id.');
  const events = createRuntimeEvents(logger);
  const ctx: DockerContext = {
    docker,
    logger,
    settings: {
      instance,
      network,
      user: options.user ?? '1000:1000',
      port: options.port ?? 5000,
      size: options.defaultSize ?? { memoryMb: 512, pids: 256 },
    },
    events,
    watches: new Map(),
    ensureNetwork: createNetworkGate(docker, network, logger),
    closed: false,
  };
  /** One stop per id at a time: a second call joins the first. */
  const stopping = new Map<string, Promise<void>>();

  return {
    kind: 'docker',
    start: (spec) => startDyno(ctx, spec),
    startAttached: (spec, attach) => startAttachedDyno(ctx, spec, attach),
    stop(id, stopOptions = {}) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(id)) return Promise.resolve();
      let pending = stopping.get(id);
      if (!pending) {
        pending = stopContainer(ctx, id, stopOptions).finally(() => stopping.delete(id));
        stopping.set(id, pending);
      }
      return pending;
    },
    list: (filter = {}) => listDynos(ctx, filter),
    onExit: events.onExit,
    onOutput: events.onOutput,
    async close() {
      // Containers keep running, to be adopted by the next runtime over this engine.
      ctx.closed = true;
      for (const entry of ctx.watches.values()) entry.detach();
      ctx.watches.clear();
    },
  };
}
