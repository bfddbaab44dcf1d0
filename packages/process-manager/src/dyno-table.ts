import type { DynoAddress } from '@platform/types';
import type { AppTarget, DynoState, DynoStatus, PlatformEvent, Tracked } from './types.ts';

export interface DynoTableOptions {
  /**
   * Publishes the web dynos that may receive traffic (the router's table for one app); resolves once the router
   * routes by it. A rejection is reported through `onPublishError` and never stops the manager.
   */
  setRoutes(app: string, targets: Array<{ dyno: string; address: DynoAddress }>, state: { crashed: boolean }): void | Promise<void>;
  onEvent?: ((event: PlatformEvent) => void) | undefined;
  onPublishError?: ((err: unknown, app: string) => void) | undefined;
}

/**
 * What the manager knows of the dynos it runs: the live table (by dyno id), the crashed slots waiting for a
 * restart (by `appId/name`, so `ps` shows them), each app's name, and the events and routes that follow from
 * a change. No I/O of its own: `setRoutes` and `onEvent` are the caller's.
 */
export function createDynoTable(options: DynoTableOptions) {
  const tracked = new Map<string, Tracked>();
  const crashed = new Map<string, DynoStatus>();
  const appNames = new Map<string, string>();

  const emit = (appId: string, source: string, message: string) =>
    options.onEvent?.({ appId, app: appNames.get(appId) ?? '', source, message });

  /** Per app, the last publication in flight: publications of one app reach the router in order. */
  const publishing = new Map<string, Promise<void>>();

  const of = (appId: string) => [...tracked.values()].filter((t) => t.dyno.appId === appId);

  return {
    /** Every tracked dyno, by id (the live map: callers add and delete). */
    tracked,
    emit,
    /** The dynos of one app, draining ones included. */
    of,
    /** The dynos of one app that count toward its formation (not draining). */
    active: (appId: string) => of(appId).filter((t) => !t.draining),
    nameApp(appId: string, app: string) {
      appNames.set(appId, app);
    },
    forgetApp(appId: string) {
      appNames.delete(appId);
      for (const key of [...crashed.keys()]) if (key.startsWith(`${appId}/`)) crashed.delete(key);
    },
    /** App ids with a tracked dyno. */
    appIds: () => new Set([...tracked.values()].map((t) => t.dyno.appId)),

    /** Moves a dyno to `state`, with Heroku's `State changed from up to crashed` event. */
    setState(t: Tracked, state: DynoState) {
      if (t.state === state) return;
      emit(t.dyno.appId, t.dyno.name, `State changed from ${t.state} to ${state}`);
      t.state = state;
      t.since = new Date();
    },

    /**
     * Sends the router the app's web dynos that are up and not draining, as they are now, and whether none is up
     * because the web dynos crashed (Heroku's H10 rather than H14). Resolves once the
     * router applied it (and every earlier publication of the app); never rejects. Callers that retire a dyno
     * await it first, so no request goes to a dyno being stopped.
     */
    publishRoutes(appId: string): Promise<void> {
      const app = appNames.get(appId);
      if (app === undefined) return Promise.resolve();
      const targets = of(appId)
        .filter((t) => t.dyno.type === 'web' && t.state === 'up' && !t.draining)
        .map((t) => ({ dyno: t.dyno.name, address: t.dyno.address }));
      const crashedWeb = targets.length === 0 && [...crashed.values()].some((d) => d.appId === appId && d.type === 'web');
      const previous = publishing.get(appId) ?? Promise.resolve();
      const next = previous
        .then(() => options.setRoutes(app, targets, { crashed: crashedWeb }))
        .catch((err: unknown) => options.onPublishError?.(err, app));
      publishing.set(appId, next);
      void next.then(() => {
        if (publishing.get(appId) === next) publishing.delete(appId);
      });
      return next;
    },

    statusOf,

    /** Keeps a crashed dyno's slot visible in `ps` until it runs again. */
    markCrashed(t: Tracked) {
      crashed.set(`${t.dyno.appId}/${t.dyno.name}`, { ...statusOf(t), state: 'crashed' });
    },
    clearCrash(appId: string, name: string) {
      crashed.delete(`${appId}/${name}`);
    },

    /**
     * A crashed entry stands for a formation slot waiting for its restart. Once the slot has a live dyno again,
     * or the formation no longer has it (scaled down), the entry goes, so `ps` never lists a stale crash.
     */
    forgetSettledCrashes(target: AppTarget) {
      const live = new Set(of(target.appId).filter((t) => !t.draining).map((t) => t.dyno.name));
      for (const [key, d] of crashed) {
        if (d.appId !== target.appId) continue;
        const index = Number(d.name.slice(d.name.lastIndexOf('.') + 1));
        if (live.has(d.name) || !(index <= (target.quantities[d.type] ?? 0))) crashed.delete(key);
      }
    },

    /** `ps`: the live dynos of an app and its crashed slots, by name (web.2 before web.10). */
    list(appId: string): DynoStatus[] {
      const live = of(appId).filter((t) => !t.draining).map(statusOf);
      const names = new Set(live.map((d) => d.name));
      const dead = [...crashed.values()].filter((d) => d.appId === appId && !names.has(d.name));
      return [...live, ...dead].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    },
  };
}

export type DynoTable = ReturnType<typeof createDynoTable>;

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
