import type Docker from 'dockerode';
import type { Dyno } from '@platform/types';
import type { RuntimeEvents, RuntimeLogger } from '@platform/runtime-kit';
import type { ContainerSettings } from './dyno-container.ts';
import type { DynoNetworks } from './network.ts';

/** Marks containers of attached one-offs (their output is a TTY stream or the caller's, not the log stream). */
export const ATTACHED_LABEL = 'platform.attached';
/** After the main process exits, how long the log stream may take to deliver its last lines. */
export const LOG_DRAIN_MS = 2_000;

/** A container the runtime follows: its output (unless attached) and its one exit report. */
export interface Watch {
  dyno: Dyno;
  requested: boolean;
  /** Resolves once the exit was reported (or the watch was detached by close()). */
  reported: Promise<void>;
  detach(): void;
}

/** The state one Docker runtime's parts share (start, watch, stop, list); created by `createDockerRuntime`. */
export interface DockerContext {
  docker: Docker;
  logger?: RuntimeLogger | undefined;
  settings: ContainerSettings;
  events: RuntimeEvents;
  /** Followed containers by id: started here or adopted from an earlier runtime. */
  watches: Map<string, Watch>;
  /** The network each app's dynos join (created on first use, retried after a failure). */
  networks: DynoNetworks;
  /** Set by close(): nothing new is started or adopted. */
  closed: boolean;
}
