import type Docker from 'dockerode';
import type { Dyno } from '@platform/types';
import type { RuntimeEvents, RuntimeLogger } from '@platform/runtime-kit';
import type { ServiceSettings } from './service-spec.ts';
import type { SwarmNetworks } from './networks.ts';
import type { TaskPoller } from './task-poller.ts';

/** Marks the containers of attached one-offs (plain containers on the manager, not services). */
export const ATTACHED_LABEL = 'platform.attached';
/** After a task ends, how long its log follow may take to deliver the last lines before the log is read once more. */
export const LOG_DRAIN_MS = 250;

/** A dyno the runtime follows: its output (unless attached) and its one exit report. */
export interface Watch {
  dyno: Dyno;
  /** Set when stop() asked for the exit. */
  requested: boolean;
  /** Resolves once the exit was reported (or the watch was detached by close()). */
  reported: Promise<void>;
  detach(): void;
}

/** The state one Swarm runtime's parts share (start, watch, stop, list); created by `createSwarmRuntime`. */
export interface SwarmContext {
  /** A dockerode client of a manager node. */
  docker: Docker;
  logger?: RuntimeLogger | undefined;
  settings: ServiceSettings;
  events: RuntimeEvents;
  /** Followed dynos by id (service id; container id for attached one-offs): started here or adopted. */
  watches: Map<string, Watch>;
  networks: SwarmNetworks;
  poller: TaskPoller;
  /** A node's address (cached): where host-mode published ports are reached. */
  nodeAddress(nodeId: string): Promise<string>;
  /** How long start() waits for a task to run (an image pull included), ms. */
  startTimeoutMs: number;
  /** Set by close(): nothing new is started or adopted. */
  closed: boolean;
}

/** True when `promise` settles within `ms`, false after. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
