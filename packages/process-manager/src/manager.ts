import { ErrorCodes, PlatformError } from '@platform/types';
import { adoptRunning } from './adopt.ts';
import { createBootGate } from './boot-gate.ts';
import { createConverge } from './converge.ts';
import { createCrashBackoff } from './crash-backoff.ts';
import { createDynoTable } from './dyno-table.ts';
import { exitLines } from './exit-lines.ts';
import { startMemorySampler } from './memory-samples.ts';
import { createKeyedMutex } from './mutex.ts';
import { runOneOff } from './one-offs.ts';
import { UNMANAGED_TYPES } from './plan.ts';
import { createRetire } from './retire.ts';
import type { DynoStatus, OneOff, OneOffInput, ProcessManagerOptions, ReleaseTarget, Tracked } from './types.ts';

export { exitLines } from './exit-lines.ts';
export type * from './types.ts';

/**
 * Keeps each app's formation running on its current release: rolling, health-gated deploys, crash restarts
 * with backoff, scale changes, drift repair on a periodic tick, and adoption of dynos already running. Every
 * change to one app runs under that app's lock. The parts: the dyno table (dyno-table.ts), the boot gate
 * (boot-gate.ts), crash backoff (crash-backoff.ts), converge (converge.ts, over the pure plan.ts), retire
 * (retire.ts), one-offs (one-offs.ts) and adoption (adopt.ts); this file wires them and holds the app-level operations.
 *
 *   const manager = createProcessManager({ runtime, loadTarget, listAppIds, setRoutes });
 *   await manager.start();                       // adopt what runs, converge every app, start the tick
 *   await manager.deploy(appId, releaseTarget);  // rolls web dynos one at a time, health-gated
 */
export function createProcessManager(options: ProcessManagerOptions) {
  const { runtime, logger } = options;
  const graceMs = options.graceMs ?? 30_000;
  const exclusive = createKeyedMutex();
  const table = createDynoTable({
    setRoutes: options.setRoutes,
    onEvent: options.onEvent,
    onPublishError: (err, app) => logger?.error({ err, app }, 'publishing routes failed'),
  });
  const backoff = createCrashBackoff({
    backoffCapMs: options.backoffCapMs,
    crashResetMs: options.crashResetMs,
    onDue: (appId) => void reconcile(appId).catch((err) => logger?.error({ err, appId }, 'reconcile after crash failed')),
  });
  const boot = createBootGate({
    runtime,
    table,
    bootTimeoutMs: options.bootTimeoutMs ?? 60_000,
    healthWindowMs: options.healthWindowMs ?? 0,
  });
  const retire = createRetire({ runtime, table, graceMs, logger });
  const converge = createConverge({ runtime, table, boot, backoff, retire, onRolloutStep: options.onRolloutStep });
  let tick: NodeJS.Timeout | undefined;
  const stopSampling = startMemorySampler({ runtime, table, intervalMs: options.memorySampleMs ?? 5_000, logger });

  const unsubscribeExit = runtime.onExit((exit) => {
    boot.exited(exit);
    const t = table.tracked.get(exit.id);
    if (!t) return;
    table.tracked.delete(exit.id);
    const appId = t.dyno.appId;
    for (const line of exitLines(exit)) table.emit(appId, t.dyno.name, line);
    if (exit.requested || t.draining || UNMANAGED_TYPES.has(t.dyno.type)) {
      table.setState(t, 'down');
    } else {
      const upForMs = t.state === 'up' ? Date.now() - t.since.getTime() : 0;
      table.setState(t, 'crashed');
      table.markCrashed(t);
      backoff.crashed(appId, t.dyno.name, upForMs);
    }
    void table.publishRoutes(appId);
  });

  async function reconcile(appId: string): Promise<void> {
    await exclusive(appId, async () => {
      const target = await options.loadTarget(appId);
      if (!target) return removeAppUnlocked(appId);
      await converge(target, target.release, 'reconcile');
    });
  }

  async function removeAppUnlocked(appId: string): Promise<void> {
    // No crash restart may bring a dyno of the app back after this.
    backoff.cancel(appId);
    backoff.reset(appId);
    await Promise.all(table.of(appId).map((t) => ((t.draining = true), runtime.stop(t.dyno.id, { graceMs }))));
    // And whatever else the runtime still has of it: a crashed dyno's exited container, a one-off.
    const rest = (await runtime.list().catch(() => [])).filter((d) => d.appId === appId);
    await Promise.all(
      rest.map((d) =>
        runtime.stop(d.id, { graceMs: 0 }).catch((err) => logger?.warn({ err, id: d.id }, 'removing a dyno of a removed app failed')),
      ),
    );
    table.forgetApp(appId);
  }

  /** Apps to converge: those the store lists, and those with dynos here but gone from the store (destroyed). */
  async function appsToConverge(): Promise<string[]> {
    return [...new Set([...(await options.listAppIds()), ...table.appIds()])];
  }

  let adopted: Promise<void> | null = null;
  const adopt = () => adoptRunning({ runtime, table, graceMs, logger });

  /** The app's formation dynos matching `filter` (one type or one name), not draining. */
  const chosen = (appId: string, filter: { type?: string; name?: string }): Tracked[] =>
    table
      .active(appId)
      .filter((t) => (filter.type === undefined || t.dyno.type === filter.type) && (filter.name === undefined || t.dyno.name === filter.name));

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
      tick = setInterval(() => {
        appsToConverge()
          .then((ids) => Promise.all(ids.map((id) => reconcile(id).catch((err) => logger?.error({ err, appId: id }, 'reconcile failed')))))
          .catch((err) => logger?.error({ err }, 'listing apps failed'));
      }, options.tickMs ?? 15_000);
      tick.unref();
    },

    /**
     * Rolls the app onto `release`. Resolves once every new dyno is up and routed (old ones are draining);
     * throws PLT_BOOT_TIMEOUT when a web dyno cannot boot, leaving the running release untouched, and
     * PLT_APP_NOT_FOUND when the app is gone. `commit` (e.g. marking the release current in the store) runs
     * before the app's lock is released, so no reconcile can see the new dynos while the store still names the
     * previous release.
     */
    async deploy(appId: string, release: ReleaseTarget, commit?: () => Promise<void>): Promise<void> {
      await exclusive(appId, async () => {
        const target = await options.loadTarget(appId);
        if (!target) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
        backoff.reset(appId);
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
        const dynos = chosen(appId, filter).filter((t) => !UNMANAGED_TYPES.has(t.dyno.type));
        backoff.reset(appId);
        // One at a time, each replacement up before its predecessor stops.
        for (const t of dynos) {
          await boot.start(target, target.release, t.dyno.type, t.dyno.name);
          void retire(t.dyno.id);
        }
      });
    },

    /**
     * Stops dynos (one name or one type). Formation dynos come back on the next reconcile, as on Heroku;
     * one-off dynos are gone. Returns how many were stopped.
     */
    async stop(appId: string, filter: { type?: string; name?: string }): Promise<number> {
      const dynos = chosen(appId, filter);
      await Promise.all(dynos.map((t) => retire(t.dyno.id)));
      return dynos.length;
    },

    /** Starts a one-off dyno `run.N` on the given release (see one-offs.ts). */
    runOneOff: (input: OneOffInput): Promise<OneOff> => runOneOff({ runtime, table, retire, graceMs, logger }, input),

    /** Stops and forgets every dyno of an app (app destroyed). */
    removeApp: (appId: string) => exclusive(appId, () => removeAppUnlocked(appId)),

    /** Dynos of an app with their states, for `ps`. */
    dynos: (appId: string): DynoStatus[] => table.list(appId),

    async close(): Promise<void> {
      if (tick) clearInterval(tick);
      stopSampling();
      backoff.close();
      unsubscribeExit();
    },
  };
}

export type ProcessManager = ReturnType<typeof createProcessManager>;
