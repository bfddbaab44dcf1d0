import type { Artifact, AttachedDyno, AttachOptions, Dyno, DynoAddress, DynoExit, DynoSize, Runtime } from '@platform/types';

/** An HTTP check a new web dyno must pass after binding $PORT (the app declares it; see the server's app.json). */
export interface WebHealthcheck {
  /** Request path, e.g. `/health`; GET, answered 200–399 to pass. */
  path: string;
  attempts: number;
  /** Per attempt. */
  timeoutMs: number;
  /** Between a failed attempt and the next. */
  intervalMs: number;
}

export interface ReleaseTarget {
  id: string;
  version: number;
  commands: Record<string, string>;
  artifact: Artifact;
  env: Record<string, string>;
  /** The web health check of this release, when its app declares one. */
  healthcheck?: WebHealthcheck | undefined;
}

export interface AppTarget {
  app: string;
  appId: string;
  /** The release that should run (the current one), or null before the first deploy. */
  release: ReleaseTarget | null;
  quantities: Record<string, number>;
  /** Each process type's dyno size where the formation names one (else the runtime's default). */
  sizes?: Record<string, DynoSize>;
}

export type DynoState = 'starting' | 'up' | 'crashed' | 'down';

export interface DynoStatus {
  id: string;
  app: string;
  appId: string;
  name: string;
  type: string;
  command: string;
  releaseId: string;
  releaseVersion: number;
  state: DynoState;
  /** When the dyno entered its current state. */
  since: Date;
  address: DynoAddress | null;
}

export interface PlatformEvent {
  appId: string;
  app: string;
  /** Dyno name for dyno events (`web.1`), or a component (`api`, `manager`). */
  source: string;
  message: string;
}

export interface ManagerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ProcessManagerOptions {
  runtime: Runtime;
  /** Reads what should run for an app; null when the app no longer exists. */
  loadTarget(appId: string): Promise<AppTarget | null>;
  /** App ids to converge on the periodic tick. */
  listAppIds(): Promise<string[]>;
  /**
   * Publishes the web dynos that may receive traffic; the manager waits for the returned promise before it stops
   * a dyno it took out of the routes (a failure is logged, and the stop goes on).
   */
  setRoutes(app: string, targets: Array<{ dyno: string; address: DynoAddress }>, state: { crashed: boolean }): void | Promise<void>;
  onEvent?: ((event: PlatformEvent) => void) | undefined;
  logger?: ManagerLogger | undefined;
  bootTimeoutMs?: number;
  graceMs?: number;
  tickMs?: number;
  backoffCapMs?: number;
  /**
   * A web dyno that bound $PORT must stay up this long before it is routed to and counted healthy (before a
   * deploy retires an old dyno); one that exits in the window fails like a failed boot. Default 0.
   */
  healthWindowMs?: number;
  /** Called once a deploy's first new dyno is up, before any old one is retired (tests: failpoints). */
  onRolloutStep?: (() => void) | undefined;
  /** A dyno up this long before it crashes restarts its crash count (default 600 000 ms, 10 min). */
  crashResetMs?: number;
  /** How often the memory of dynos that are up is sampled, ms (runtimes with `memoryUsage` only). Default 5 000. */
  memorySampleMs?: number;
}

export interface OneOffInput {
  app: string;
  appId: string;
  /** The current release: its artifact; `env` below already holds its config plus the run's extra vars. */
  release: ReleaseTarget;
  /** The command line after Procfile substitution. */
  command: string;
  env: Record<string, string>;
  size?: DynoSize | undefined;
  /** Attach the caller to the dyno's stdio; null = detached (output goes to the log stream). */
  attach: AttachOptions | null;
  /** Stopped (SIGTERM → grace → SIGKILL) after this long. */
  ttlMs: number;
  /** Who started it, for the platform event. */
  by?: string | undefined;
}

export interface OneOff {
  status: DynoStatus;
  attached: AttachedDyno | null;
  /** Resolves with the dyno's exit (exactly once). */
  exited: Promise<DynoExit>;
  /** SIGHUP for a disconnected client, else SIGTERM; then the grace period, then SIGKILL. */
  stop(signal?: 'SIGTERM' | 'SIGHUP'): Promise<void>;
}

/** A dyno the manager runs, with its state as `ps` shows it. */
export interface Tracked {
  dyno: Dyno;
  state: DynoState;
  /** When the dyno entered `state`. */
  since: Date;
  /** Being retired: out of the router and of `observe`, its exit is expected. */
  draining: boolean;
}
