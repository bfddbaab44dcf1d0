import { spareName, spareNumber } from './proxy-state.ts';

/** How many spare backends the proxy keeps declared by default (`spareBackends` option). */
export const DEFAULT_SPARE_BACKENDS = 16;

/** How long after a spare was taken the pool is refilled (one reload for a burst of new apps), in ms. */
export const REFILL_DELAY_MS = 1_000;

/**
 * The spare backends: declared empty in haproxy.cfg (the same block as an app's backend), so that a new app takes
 * one over at run time (`add map backends.map <app> spare-<n>`, `add server`) instead of waiting for a reload,
 * which HAProxy 2.6 needs for a new backend (`add backend` came in 3.x). Two views: `declared`, the free spares
 * the files hold (what the next reload or restart declares), and `live`, those the running proxy has (only those
 * can be taken). Spares are never reused: a removed app's backend disappears at the next reload, and numbers only
 * grow, so a name never means two apps in one proxy's life.
 *
 *   const pool = createSparePool(16);
 *   pool.topUp();            // before writing the files for a reload or a start
 *   pool.reloaded();         // once the proxy runs them: every declared spare is live
 *   pool.take();             // 'spare-3', or null while none is live (then a reload gives the app a backend)
 *   pool.scheduleRefill(() => reloadSoon());   // once half the pool is taken: one reload, in the background
 */
export function createSparePool(size: number) {
  let declared: string[] = [];
  let live = new Set<string>();
  let next = 1;
  let refillTimer: NodeJS.Timeout | null = null;
  const low = (): boolean => size > 0 && live.size <= size / 2;
  return {
    size,
    /** Declares new spares (in the files) up to `size`; true when it added some. */
    topUp(): boolean {
      const before = declared.length;
      while (declared.length < size) declared.push(spareName(next++));
      return declared.length > before;
    },
    /** The running proxy now serves the files: every declared spare is live. */
    reloaded(): void {
      live = new Set(declared);
    },
    /** Takes a live spare for a new app (no longer declared free), or null while none is live. */
    take(): string | null {
      const name = declared.find((s) => live.has(s));
      if (name === undefined) return null;
      declared = declared.filter((s) => s !== name);
      live.delete(name);
      return name;
    },
    /** True when the live pool has fallen to half its size or below (and the pool is not disabled). */
    low,
    /**
     * After a take: when the pool is low, calls `refill` (a reload, which tops it up) `REFILL_DELAY_MS` later,
     * once for a burst of new apps, unless a reload refilled it meanwhile.
     */
    scheduleRefill(refill: () => void): void {
      if (!low() || refillTimer) return;
      refillTimer = setTimeout(() => {
        refillTimer = null;
        if (low()) refill();
      }, REFILL_DELAY_MS);
      refillTimer.unref();
    },
    /** Drops a refill not yet started (the router closes). */
    cancelRefill(): void {
      if (refillTimer) clearTimeout(refillTimer);
      refillTimer = null;
    },
    /** The free spares to declare in haproxy.cfg. */
    declared: (): readonly string[] => declared,
    /**
     * After an adoption: the free spares the live proxy declares (`free`) and every backend name it has (`all`,
     * so that new numbers stay above the ones in use).
     */
    adopt(free: readonly string[], all: readonly string[]): void {
      declared = [...free];
      live = new Set(free);
      for (const name of all) next = Math.max(next, (spareNumber(name) ?? 0) + 1);
    },
  };
}

export type SparePool = ReturnType<typeof createSparePool>;
