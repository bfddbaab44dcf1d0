import type Docker from 'dockerode';
import { ErrorCodes, PlatformError, type DynoSize, type Runtime } from '@platform/types';
import { DEFAULT_STOP_GRACE_MS, createRuntimeEvents, type RuntimeLogger } from '@platform/runtime-kit';
import { dockerError } from '@platform/docker-kit';
import type { SwarmContext } from './swarm-context.ts';
import type { AddressMode } from './service-spec.ts';
import { createSwarmNetworks, type SwarmNetworking } from './networks.ts';
import { createTaskPoller } from './task-poller.ts';
import { startDyno } from './start-dyno.ts';
import { startAttachedDyno } from './attached-dyno.ts';
import { stopDyno } from './stop-dyno.ts';
import { listDynos } from './list-dynos.ts';

export interface SwarmRuntimeOptions {
  /** A dockerode client of a swarm manager, created by the app. */
  docker: Docker;
  logger?: RuntimeLogger | undefined;
  /** Per-app overlays (default) or one shared overlay; see networks.ts. */
  networking?: SwarmNetworking | undefined;
  /**
   * Where the router reaches dynos: `overlay` (default), the task's overlay IP and $PORT, for a router on the
   * dynos' overlay; `published`, the node's address and a port Swarm publishes there in host mode, for a
   * router outside the swarm's networks.
   */
  addresses?: AddressMode | undefined;
  /** Registry (host[:port]) that image references without one are pulled from, e.g. `127.0.0.1:5000`. */
  registry?: string | undefined;
  /** SIGTERM → SIGKILL of every dyno, fixed per service at create; default 30 000 ms (PLATFORM_GRACE_PERIOD). */
  stopGraceMs?: number | undefined;
  /** Limits when a spec has no size. Default 512 MiB, 256 pids. */
  defaultSize?: DynoSize | undefined;
  /** Container user. Default `1000:1000` (the stack's `dyno` user). */
  user?: string | undefined;
  /** $PORT inside every dyno. Default 5000. */
  port?: number | undefined;
  /** This platform instance's id (the `platform.managed` label): list, adopt and stop see only its own. Default `1`. */
  instance?: string | undefined;
  /** How often the tasks of followed dynos are looked at, ms. Default 250. */
  pollMs?: number | undefined;
  /** How long start() waits for a task to run (image pull included), ms. Default 120 000. */
  startTimeoutMs?: number | undefined;
}

/**
 * The `swarm` runtime: each dyno is a Swarm service of one task (a job for `run` and `release`), placed by
 * Swarm, restarted only by the process manager. Files: start-dyno (create, wait for the task, address),
 * dyno-watch + service-logs + task-poller (output and exit), stop-dyno, list-dynos (with adoption),
 * attached-dyno (`platform run`: a container on the manager), service-spec (pure), networks. Throws
 * PLT_INVALID_PARAMS for an invalid `instance`, `registry` or `stopGraceMs`.
 *
 *   const runtime = createSwarmRuntime({ docker: new Docker({ socketPath }), registry: '127.0.0.1:5000', logger });
 */
export function createSwarmRuntime(options: SwarmRuntimeOptions): Runtime {
  const { docker, logger } = options;
  const instance = options.instance ?? '1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instance))
    throw new PlatformError(ErrorCodes.invalidParams, 'Invalid platform instance id.');
  if (options.registry !== undefined && !/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(options.registry)) {
    throw new PlatformError(ErrorCodes.invalidParams, 'Invalid registry (host or host:port).');
  }
  const stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  if (!Number.isInteger(stopGraceMs) || stopGraceMs < 0)
    throw new PlatformError(ErrorCodes.invalidParams, 'Invalid stop grace period.');
  const events = createRuntimeEvents(logger);
  const nodes = new Map<string, Promise<string>>();
  const ctx: SwarmContext = {
    docker,
    logger,
    settings: {
      instance,
      user: options.user ?? '1000:1000',
      port: options.port ?? 5000,
      size: options.defaultSize ?? { memoryMb: 512, pids: 256 },
      stopGraceMs,
      addresses: options.addresses ?? 'overlay',
      registry: options.registry,
    },
    events,
    watches: new Map(),
    networks: createSwarmNetworks(docker, options.networking ?? { mode: 'per-app' }, instance, logger),
    poller: createTaskPoller(docker, options.pollMs ?? 250, logger),
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    nodeAddress(nodeId) {
      let address = nodes.get(nodeId);
      if (!address) {
        address = nodeAddress(docker, nodeId);
        nodes.set(nodeId, address);
        address.catch(() => nodes.delete(nodeId));
      }
      return address;
    },
    closed: false,
  };
  /** One stop per id at a time: a second call joins the first. */
  const stopping = new Map<string, Promise<void>>();

  return {
    kind: 'swarm',
    start: (spec) => startDyno(ctx, spec),
    startAttached: (spec, attach) => startAttachedDyno(ctx, spec, attach),
    stop(id, stopOptions = {}) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(id)) return Promise.resolve();
      let pending = stopping.get(id);
      if (!pending) {
        pending = stopDyno(ctx, id, stopOptions).finally(() => stopping.delete(id));
        stopping.set(id, pending);
      }
      return pending;
    },
    list: (filter = {}) => listDynos(ctx, filter),
    forgetApp: (appId) => ctx.networks.forget(appId),
    onExit: events.onExit,
    onOutput: events.onOutput,
    async close() {
      // Services keep running, to be adopted by the next runtime over this swarm.
      ctx.closed = true;
      ctx.poller.stop();
      for (const entry of ctx.watches.values()) entry.detach();
      ctx.watches.clear();
    },
  };
}

/** A node's address as the swarm knows it (a manager may report 0.0.0.0 there: then its manager address). */
async function nodeAddress(docker: Docker, nodeId: string): Promise<string> {
  try {
    const node = (await docker.getNode(nodeId).inspect()) as {
      Status?: { Addr?: string };
      ManagerStatus?: { Addr?: string };
    };
    const addr = node.Status?.Addr ?? '';
    if (addr && addr !== '0.0.0.0') return addr;
    return (node.ManagerStatus?.Addr ?? '').replace(/:[0-9]+$/, '');
  } catch (err) {
    throw dockerError('inspect node', err, { nodeId });
  }
}
