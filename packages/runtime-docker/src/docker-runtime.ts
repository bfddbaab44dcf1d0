import type Docker from 'dockerode';
import { ErrorCodes, PlatformError, type DynoSize, type Runtime } from '@platform/types';
import { createRuntimeEvents, type RuntimeLogger } from '@platform/runtime-kit';
import type { DockerContext } from './docker-context.ts';
import { listDynos } from './list-dynos.ts';
import { memoryUsage } from './memory-usage.ts';
import { createDynoNetworks, type DynoNetworking } from './network.ts';
import { parsePool } from './subnets.ts';
import { startAttachedDyno, startDyno } from './start-dyno.ts';
import { stopContainer } from './stop-dyno.ts';

/** The pool per-app dyno networks take their /24s from, unless configured (PLATFORM_DYNO_SUBNETS). */
export const DEFAULT_DYNO_SUBNETS = '10.213.0.0/16';

export interface DockerRuntimeOptions {
  /** A dockerode client, created by the app. */
  docker: Docker;
  logger?: RuntimeLogger | undefined;
  /**
   * How dynos are networked (see network.ts): `{ mode: 'per-app', pool }` gives each app a bridge of its own with
   * a /24 from `pool`; `{ mode: 'shared', name }` puts every dyno on one bridge. The router must reach them.
   * Default: per-app from 10.213.0.0/16.
   */
  networking?: DynoNetworking | undefined;
  /** Shorthand for `networking: { mode: 'shared', name: network }`. */
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
 * The `docker` runtime: each dyno is a container of its release image on its app's bridge network (see README). The
 * parts live in files of their own: start-dyno (start, startAttached), dyno-watch + log-follow (output and exit),
 * stop-dyno, list-dynos (with adoption). Throws PLT_INVALID_PARAMS for an invalid `instance` or subnet pool.
 *
 *   const runtime = createDockerRuntime({ docker: new Docker(), logger, instance: 'a1b2' });
 */
export function createDockerRuntime(options: DockerRuntimeOptions): Runtime {
  const { docker, logger } = options;
  const instance = options.instance ?? '1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) throw new PlatformError(ErrorCodes.invalidParams, 'Invalid platform instance id.');
  const networking: DynoNetworking =
    options.networking ?? (options.network !== undefined ? { mode: 'shared', name: options.network } : { mode: 'per-app', pool: DEFAULT_DYNO_SUBNETS });
  if (networking.mode === 'per-app') parsePool(networking.pool);
  const events = createRuntimeEvents(logger);
  const ctx: DockerContext = {
    docker,
    logger,
    settings: {
      instance,
      user: options.user ?? '1000:1000',
      port: options.port ?? 5000,
      size: options.defaultSize ?? { memoryMb: 512, pids: 256 },
    },
    events,
    watches: new Map(),
    networks: createDynoNetworks(docker, networking, instance, logger),
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
    forgetApp: (appId) => ctx.networks.forget(appId),
    memoryUsage: (id) => memoryUsage(docker, id),
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
