import { PlatformError, ErrorCodes } from '@platform/types';
import { randomInt } from 'node:crypto';
import type {
  Artifact,
  AttachedDyno,
  AttachOptions,
  Dyno,
  DynoAddress,
  DynoExit,
  DynoSize,
  Runtime,
} from '@platform/types';
import { nextCrashCount, planFormation, restartDelayMs, UNMANAGED_TYPES, type Action } from './plan.ts';
import { waitForPort } from './health.ts';
import { createKeyedMutex } from './mutex.ts';
import { withDynoMetadata } from './dyno-metadata.ts';

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
  /** Publishes the web dynos that may receive traffic. */
  setRoutes(app: string, targets: Array<{ dyno: string; address: DynoAddress }>): void;
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

interface Tracked {
  dyno: Dyno;
  state: DynoState;
  since: Date;
  draining: boolean;
}

/**
 * GETs `check.path` on the dyno until it answers 200–399, `check.attempts` times at most; throws PLT_BOOT_TIMEOUT
 * with the last answer otherwise, or the signal's reason once it aborts (the dyno exited).
 */
async function passesHealthcheck(name: string, address: DynoAddress, check: WebHealthcheck, signal: AbortSignal): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    if (signal.aborted) throw signal.reason;
    try {
      const res = await fetch(`http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}${check.path}`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(check.timeoutMs)]),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 400) return;
      last = `answered ${res.status}`;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      last = (err as Error).name === 'TimeoutError' ? `no answer within ${check.timeoutMs / 1000} s` : `failed (${(err as Error).message})`;
    }
    if (attempt < check.attempts) await staysUp(check.intervalMs, signal);
  }
  throw new PlatformError(ErrorCodes.bootTimeout, `${name} failed its health check: GET ${check.path} ${last} (${check.attempts} attempts)`);
}

/**
 * The app-log lines of a dyno's exit, as Heroku words them: `Process exited with status 137`, preceded by
 * `Error R15 (Memory quota vastly exceeded)` when it was killed for its memory (our limit is hard, no swap, so
 * there is no R14 stage before it).
 */
export function exitLines(exit: DynoExit): string[] {
  const lines: string[] = [];
  if (exit.outOfMemory) lines.push(`Error R15 (Memory quota vastly exceeded) -> the process used more than its ${exit.outOfMemory.limitMb} MB and was killed`);
  lines.push(exit.code === null ? `Process exited on ${exit.signal}` : `Process exited with status ${exit.code}`);
  return lines;
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
function staysUp(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Keeps each app's formation running on its current release: rolling, health-gated deploys, crash restarts
 * with backoff, scale changes, drift repair on a periodic tick, and adoption of dynos already running.
 */
export function createProcessManager(options: ProcessManagerOptions) {
  const { runtime, logger } = options;
  const bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
  const graceMs = options.graceMs ?? 30_000;
  const healthWindowMs = options.healthWindowMs ?? 0;
  const exclusive = createKeyedMutex();
  const tracked = new Map<string, Tracked>(); // by dyno id
  const crashed = new Map<string, DynoStatus>(); // by `${appId}/${name}`: dynos that exited unexpectedly
  const crashCounts = new Map<string, number>(); // by `${appId}/${name}`
  const restartTimers = new Map<string, NodeJS.Timeout>(); // by appId
  const notBefore = new Map<string, number>(); // by `${appId}/${name}`: earliest restart time
  const exitWaiters = new Map<string, (exit: DynoExit) => void>();
  const appNames = new Map<string, string>(); // appId → app name
  let tick: NodeJS.Timeout | undefined;
  let closed = false;

  const emit = (appId: string, source: string, message: string) => {
    const app = appNames.get(appId) ?? '';
    options.onEvent?.({ appId, app, source, message });
  };

  const setState = (t: Tracked, state: DynoState) => {
    if (t.state === state) return;
    emit(t.dyno.appId, t.dyno.name, `State changed from ${t.state} to ${state}`);
    t.state = state;
    t.since = new Date();
  };

  const publishRoutes = (appId: string) => {
    const app = appNames.get(appId);
    if (app === undefined) return;
    const targets = [...tracked.values()]
      .filter((t) => t.dyno.appId === appId && t.dyno.type === 'web' && t.state === 'up' && !t.draining)
      .map((t) => ({ dyno: t.dyno.name, address: t.dyno.address }));
    options.setRoutes(app, targets);
  };

  const unsubscribeExit = runtime.onExit((exit) => {
    exitWaiters.get(exit.id)?.(exit);
    const t = tracked.get(exit.id);
    if (!t) return;
    tracked.delete(exit.id);
    const appId = t.dyno.appId;
    for (const line of exitLines(exit)) emit(appId, t.dyno.name, line);
    if (exit.requested || t.draining || UNMANAGED_TYPES.has(t.dyno.type)) {
      setState(t, 'down');
    } else {
      const upForMs = t.state === 'up' ? Date.now() - t.since.getTime() : 0;
      setState(t, 'crashed');
      const key = `${appId}/${t.dyno.name}`;
      const count = nextCrashCount(crashCounts.get(key) ?? 0, upForMs, options.crashResetMs);
      crashCounts.set(key, count);
      const delay = restartDelayMs(count, options.backoffCapMs);
      notBefore.set(key, Date.now() + delay);
      crashed.set(key, { ...statusOf(t), state: 'crashed' });
      scheduleReconcile(appId, delay);
    }
    publishRoutes(appId);
  });

  function statusOf(t: Tracked): DynoStatus {
    const d = t.dyno;
    return {
      id: d.id,
      app: d.app,
      appId: d.appId,
      name: d.name,
      type: d.type,
      command: d.command,
      releaseId: d.releaseId,
      releaseVersion: d.releaseVersion,
      state: t.state,
      since: t.since,
      address: d.address,
    };
  }

  /** A new release or a manual restart starts the crash backoff afresh. */
  function resetBackoff(appId: string) {
    for (const key of [...crashCounts.keys()]) {
      if (!key.startsWith(`${appId}/`)) continue;
      crashCounts.delete(key);
      notBefore.delete(key);
    }
  }

  function scheduleReconcile(appId: string, delayMs: number) {
    if (closed) return;
    const existing = restartTimers.get(appId);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      restartTimers.delete(appId);
      reconcile(appId).catch((err) => logger?.error({ err, appId }, 'reconcile after crash failed'));
    }, delayMs);
    timer.unref();
    restartTimers.set(appId, timer);
  }

  /** Starts one dyno and waits until it is up (web: bound $PORT). Stops it and throws if it cannot boot. */
  async function startDyno(
    target: AppTarget,
    release: ReleaseTarget,
    type: string,
    name: string,
  ): Promise<Tracked> {
    const command = release.commands[type]!;
    emit(target.appId, name, `Starting process with command \`${command}\``);
    const dyno = await runtime.start({
      app: target.app,
      appId: target.appId,
      releaseId: release.id,
      releaseVersion: release.version,
      type,
      name,
      command,
      artifact: release.artifact,
      env: withDynoMetadata(release.env, {
        app: target.app,
        appId: target.appId,
        releaseVersion: release.version,
      }),
    });
    const t: Tracked = { dyno, state: 'starting', since: new Date(), draining: false };
    tracked.set(dyno.id, t);
    crashed.delete(`${target.appId}/${name}`);
    if (type !== 'web') {
      setState(t, 'up');
      return t;
    }
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new PlatformError(
            ErrorCodes.bootTimeout,
            `${name} failed to bind to $PORT within ${Math.round(bootTimeoutMs / 1000)} seconds of launch`,
          ),
        ),
      bootTimeoutMs,
    );
    let bound = false;
    exitWaiters.set(dyno.id, (exit) => {
      const how = exit.code === null ? exit.signal : `status ${exit.code}`;
      controller.abort(
        new PlatformError(
          ErrorCodes.bootTimeout,
          bound
            ? `${name} crashed (${how}) within ${Math.round(healthWindowMs / 1000)} seconds of binding to $PORT`
            : `${name} exited during boot (${how})`,
        ),
      );
    });
    try {
      await waitForPort(dyno.address, controller.signal);
      bound = true;
      clearTimeout(timer);
      // Bound is not yet healthy: it must stay up for the health window before it takes traffic (and, in a
      // deploy, before an old dyno is retired). A crash in the window aborts like a failed boot.
      const window = healthWindowMs > 0 ? staysUp(healthWindowMs, controller.signal) : Promise.resolve();
      window.catch(() => undefined); // awaited below; a failed health check must not leave it unhandled
      if (release.healthcheck) await passesHealthcheck(name, dyno.address, release.healthcheck, controller.signal);
      await window;
      if (!tracked.has(dyno.id))
        throw new PlatformError(ErrorCodes.bootTimeout, `${name} exited during boot`);
      setState(t, 'up');
      publishRoutes(target.appId);
      return t;
    } catch (err) {
      t.draining = true;
      await runtime.stop(dyno.id, { graceMs: 0 }).catch(() => undefined);
      tracked.delete(dyno.id);
      throw err;
    } finally {
      clearTimeout(timer);
      exitWaiters.delete(dyno.id);
    }
  }

  /** Removes a dyno from the router, then stops it (SIGTERM → grace → SIGKILL) in the background. */
  function retire(id: string, signal: 'SIGTERM' | 'SIGHUP' = 'SIGTERM'): Promise<void> {
    const t = tracked.get(id);
    if (t) {
      t.draining = true;
      publishRoutes(t.dyno.appId);
      emit(t.dyno.appId, t.dyno.name, `Stopping all processes with ${signal}`);
    }
    // Heroku's R12: the runtime sends SIGKILL once the grace period has passed; say so in the app's log.
    const overdue = t
      ? setTimeout(() => {
          if (tracked.get(id) !== t) return;
          emit(
            t.dyno.appId,
            t.dyno.name,
            `Error R12 (Exit timeout) -> Process failed to exit within ${Math.round(graceMs / 1000)} seconds of ${signal}`,
          );
          emit(t.dyno.appId, t.dyno.name, 'Stopping all processes with SIGKILL');
        }, graceMs)
      : undefined;
    return runtime
      .stop(id, { graceMs, signal })
      .catch((err) => logger?.warn({ err, id }, 'stopping a dyno failed'))
      .finally(() => clearTimeout(overdue));
  }

  async function observe(appId: string) {
    return [...tracked.values()]
      .filter((t) => t.dyno.appId === appId && !t.draining)
      .map((t) => ({
        id: t.dyno.id,
        name: t.dyno.name,
        type: t.dyno.type,
        releaseId: t.dyno.releaseId,
        running: true,
      }));
  }

  /**
   * Converges one app. In `deploy` mode a web dyno that cannot boot aborts the rollout (new dynos stopped, old
   * ones untouched) and throws; in `reconcile` mode it counts as a crash and is retried with backoff.
   */
  async function converge(target: AppTarget, release: ReleaseTarget | null, mode: 'deploy' | 'reconcile') {
    appNames.set(target.appId, target.app);
    const desired = release
      ? { releaseId: release.id, commands: release.commands, quantities: target.quantities }
      : null;
    const actions = planFormation(desired, await observe(target.appId));
    const started: Tracked[] = [];
    const retiring: Promise<void>[] = [];
    const now = Date.now();
    const launch = async (a: Extract<Action, { kind: 'start' | 'replace' }>) => {
      if (mode === 'reconcile' && (notBefore.get(`${target.appId}/${a.name}`) ?? 0) > now) return;
      try {
        started.push(await startDyno(target, release!, a.type, a.name));
        if (mode === 'deploy' && started.length === 1) options.onRolloutStep?.();
        if (a.kind === 'replace') retiring.push(retire(a.oldId));
      } catch (err) {
        if (mode === 'deploy') throw err;
        const key = `${target.appId}/${a.name}`;
        const count = (crashCounts.get(key) ?? 0) + 1;
        crashCounts.set(key, count);
        notBefore.set(key, Date.now() + restartDelayMs(count, options.backoffCapMs));
        emit(target.appId, a.name, `Error R10 (Boot timeout) -> ${(err as Error).message}`);
        scheduleReconcile(target.appId, restartDelayMs(count, options.backoffCapMs));
      }
    };
    try {
      // Replacements roll one at a time (each new dyno up before its old one stops); fresh starts go in parallel.
      for (const a of actions) if (a.kind === 'replace') await launch(a);
      await Promise.all(
        actions.filter((a) => a.kind === 'start').map((a) => launch(a as Extract<Action, { kind: 'start' }>)),
      );
    } catch (err) {
      await Promise.all(
        started.map(
          (t) => ((t.draining = true), runtime.stop(t.dyno.id, { graceMs: 0 }).catch(() => undefined)),
        ),
      );
      publishRoutes(target.appId);
      throw err;
    }
    for (const a of actions) if (a.kind === 'stop') retiring.push(retire(a.id));
    publishRoutes(target.appId);
    forgetSettledCrashes(target);
    return { retiring: Promise.all(retiring).then(() => undefined) };
  }

  /**
   * A crashed entry stands for a formation slot waiting for its restart. Once the slot has a live dyno again,
   * or the formation no longer has it (scaled down), the entry goes, so `ps` never lists a stale crash.
   */
  function forgetSettledCrashes(target: AppTarget) {
    const live = new Set(
      [...tracked.values()]
        .filter((t) => t.dyno.appId === target.appId && !t.draining)
        .map((t) => t.dyno.name),
    );
    for (const [key, d] of crashed) {
      if (d.appId !== target.appId) continue;
      const index = Number(d.name.slice(d.name.lastIndexOf('.') + 1));
      if (live.has(d.name) || !(index <= (target.quantities[d.type] ?? 0))) crashed.delete(key);
    }
  }

  async function reconcile(appId: string): Promise<void> {
    await exclusive(appId, async () => {
      const target = await options.loadTarget(appId);
      if (!target) {
        await removeAppUnlocked(appId);
        return;
      }
      await converge(target, target.release, 'reconcile');
    });
  }

  async function removeAppUnlocked(appId: string) {
    const app = appNames.get(appId);
    // No crash restart may bring a dyno of the app back after this.
    clearTimeout(restartTimers.get(appId));
    restartTimers.delete(appId);
    resetBackoff(appId);
    await Promise.all(
      [...tracked.values()]
        .filter((t) => t.dyno.appId === appId)
        .map((t) => ((t.draining = true), runtime.stop(t.dyno.id, { graceMs }))),
    );
    // And whatever else the runtime still has of it: a crashed dyno's exited container, a one-off.
    const rest = (await runtime.list().catch(() => [])).filter((d) => d.appId === appId);
    await Promise.all(
      rest.map((d) =>
        runtime
          .stop(d.id, { graceMs: 0 })
          .catch((err) => logger?.warn({ err, id: d.id }, 'removing a dyno of a removed app failed')),
      ),
    );
    for (const key of [...crashed.keys()]) if (key.startsWith(`${appId}/`)) crashed.delete(key);
    if (app !== undefined) appNames.delete(appId);
  }

  /** Apps to converge: those the store lists, and those with dynos here but gone from the store (destroyed). */
  async function appsToConverge(): Promise<string[]> {
    const known = await options.listAppIds();
    return [...new Set([...known, ...[...tracked.values()].map((t) => t.dyno.appId)])];
  }

  let adopted: Promise<void> | null = null;
  /** Takes over the dynos the runtime already runs (after a server restart) and publishes their routes. */
  async function adopt(): Promise<void> {
    for (const dyno of await runtime.list()) {
      if (!dyno.running || tracked.has(dyno.id)) continue;
      if (dyno.type === 'run' || dyno.type === 'release') {
        // A one-off outlives its server only without its client (attached) or its time-to-live timer
        // (detached): neither can be restored, so it ends here rather than running unowned.
        logger?.warn(
          { dyno: dyno.id, app: dyno.app, name: dyno.name },
          'stopping a one-off dyno left by a previous server',
        );
        await runtime.stop(dyno.id, { graceMs, signal: 'SIGHUP' }).catch(() => undefined);
        continue;
      }
      appNames.set(dyno.appId, dyno.app);
      tracked.set(dyno.id, { dyno, state: 'up', since: dyno.startedAt, draining: false });
    }
    for (const appId of new Set([...tracked.values()].map((t) => t.dyno.appId))) publishRoutes(appId);
  }

  return {
    /**
     * Adopts the running dynos and publishes their routes (once; `start` does it too when not done yet). Call
     * before the router accepts connections, so an app whose dynos survived a restart never answers 503.
     */
    adopt: () => (adopted ??= adopt()),

    /** Adopts dynos the runtime already runs (after a server restart), converges every app, starts the tick. */
    async start(): Promise<void> {
      await (adopted ??= adopt());
      // Adopted dynos of an app destroyed meanwhile are stopped too (reconcile finds no target for them).
      // Apps converge side by side (each under its own lock), a few at a time.
      const queue = await appsToConverge();
      const worker = async () => {
        for (let appId = queue.shift(); appId !== undefined; appId = queue.shift()) {
          await reconcile(appId).catch((err) => logger?.error({ err, appId }, 'initial reconcile failed'));
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      const tickMs = options.tickMs ?? 15_000;
      tick = setInterval(() => {
        appsToConverge()
          .then((ids) =>
            Promise.all(
              ids.map((id) =>
                reconcile(id).catch((err) => logger?.error({ err, appId: id }, 'reconcile failed')),
              ),
            ),
          )
          .catch((err) => logger?.error({ err }, 'listing apps failed'));
      }, tickMs);
      tick.unref();
    },

    /**
     * Rolls the app onto `release`. Resolves once every new dyno is up and routed (old ones are draining);
     * throws PLT_BOOT_TIMEOUT when a web dyno cannot boot, leaving the running release untouched.
     * `commit` (e.g. marking the release current in the store) runs before the app's lock is released,
     * so no reconcile can see the new dynos while the store still names the previous release.
     */
    async deploy(appId: string, release: ReleaseTarget, commit?: () => Promise<void>): Promise<void> {
      await exclusive(appId, async () => {
        const target = await options.loadTarget(appId);
        if (!target) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
        resetBackoff(appId);
        await converge(target, release, 'deploy');
        await commit?.();
      });
    },

    reconcile,

    /** Restarts dynos (all, one type, or one name): web rolls one at a time like a deploy. */
    async restart(appId: string, filter: { type?: string; name?: string } = {}): Promise<void> {
      await exclusive(appId, async () => {
        const target = await options.loadTarget(appId);
        if (!target?.release) return;
        const chosen = [...tracked.values()].filter(
          (t) =>
            t.dyno.appId === appId &&
            !t.draining &&
            !UNMANAGED_TYPES.has(t.dyno.type) &&
            (filter.type === undefined || t.dyno.type === filter.type) &&
            (filter.name === undefined || t.dyno.name === filter.name),
        );
        resetBackoff(appId);
        // One at a time, each replacement up before its predecessor stops.
        for (const t of chosen) {
          await startDyno(target, target.release, t.dyno.type, t.dyno.name);
          void retire(t.dyno.id);
        }
      });
    },

    /**
     * Stops dynos (one name or one type). Formation dynos come back on the next reconcile, as on Heroku;
     * one-off dynos are gone. Returns how many were stopped.
     */
    async stop(appId: string, filter: { type?: string; name?: string }): Promise<number> {
      const chosen = [...tracked.values()].filter(
        (t) =>
          t.dyno.appId === appId &&
          !t.draining &&
          (filter.type === undefined || t.dyno.type === filter.type) &&
          (filter.name === undefined || t.dyno.name === filter.name),
      );
      await Promise.all(chosen.map((t) => retire(t.dyno.id)));
      return chosen.length;
    },

    /**
     * Starts a one-off dyno `run.N` (N random, unused in the app) on the given release. It is tracked for `ps`
     * and `stop` but never restarted or routed; it is stopped when its time to live runs out.
     */
    async runOneOff(input: OneOffInput): Promise<OneOff> {
      if (input.attach && !runtime.startAttached) {
        throw new PlatformError(
          ErrorCodes.runtimeUnavailable,
          `The ${runtime.kind} runtime cannot attach to dynos; use run:detached.`,
        );
      }
      appNames.set(input.appId, input.app);
      const used = new Set(
        [...tracked.values()].filter((t) => t.dyno.appId === input.appId).map((t) => t.dyno.name),
      );
      let name: string;
      do name = `run.${randomInt(1, 10_000)}`;
      while (used.has(name));
      // Exits are watched from before the start: a quick command may be gone before start() resolves.
      let id: string | null = null;
      const early = new Map<string, DynoExit>();
      let resolveExit!: (exit: DynoExit) => void;
      const exited = new Promise<DynoExit>((resolve) => (resolveExit = resolve));
      const off = runtime.onExit((exit) => {
        if (id === null) early.set(exit.id, exit);
        else if (exit.id === id) resolveExit(exit);
      });
      void exited.then(off);
      // An exited one-off is removed at once (its container or directory); nothing restarts it.
      void exited.then((exit) =>
        runtime
          .stop(exit.id, { graceMs: 0 })
          .catch((err) => logger?.warn({ err, id: exit.id }, 'removing a one-off failed')),
      );
      emit(
        input.appId,
        name,
        `Starting process with command \`${input.command}\`${input.by ? ` by user ${input.by}` : ''}`,
      );
      const spec = {
        app: input.app,
        appId: input.appId,
        releaseId: input.release.id,
        releaseVersion: input.release.version,
        type: 'run',
        name,
        command: input.command,
        artifact: input.release.artifact,
        size: input.size,
        env: withDynoMetadata(input.env, {
          app: input.app,
          appId: input.appId,
          releaseVersion: input.release.version,
        }),
      };
      let attached: AttachedDyno | null = null;
      let dyno: Dyno;
      try {
        if (input.attach) dyno = (attached = await runtime.startAttached!(spec, input.attach)).dyno;
        else dyno = await runtime.start(spec);
      } catch (err) {
        off();
        throw err;
      }
      id = dyno.id;
      const t: Tracked = { dyno, state: 'starting', since: new Date(), draining: false };
      const gone = early.get(dyno.id);
      if (gone) {
        resolveExit(gone);
        for (const line of exitLines(gone)) emit(input.appId, name, line);
      } else {
        tracked.set(dyno.id, t);
        setState(t, 'up');
        const ttl = setTimeout(() => {
          emit(input.appId, name, `Time to live of ${Math.round(input.ttlMs / 1000)} s reached`);
          void retire(dyno.id);
        }, input.ttlMs);
        ttl.unref();
        void exited.then(() => clearTimeout(ttl));
      }
      return {
        status: statusOf(t),
        attached,
        exited,
        stop: (signal = 'SIGTERM') =>
          tracked.has(dyno.id) ? retire(dyno.id, signal) : runtime.stop(dyno.id, { graceMs, signal }),
      };
    },

    /** Stops and forgets every dyno of an app (app destroyed). */
    removeApp: (appId: string) => exclusive(appId, () => removeAppUnlocked(appId)),

    /** Dynos of an app with their states, for `ps`. */
    dynos(appId: string): DynoStatus[] {
      const live = [...tracked.values()].filter((t) => t.dyno.appId === appId && !t.draining).map(statusOf);
      const names = new Set(live.map((d) => d.name));
      const dead = [...crashed.values()].filter((d) => d.appId === appId && !names.has(d.name));
      return [...live, ...dead].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    },

    async close(): Promise<void> {
      closed = true;
      if (tick) clearInterval(tick);
      for (const t of restartTimers.values()) clearTimeout(t);
      restartTimers.clear();
      unsubscribeExit();
    },
  };
}

export type ProcessManager = ReturnType<typeof createProcessManager>;
