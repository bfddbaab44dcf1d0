import type { Runtime } from '@platform/types';
import type { DynoTable } from './dyno-table.ts';
import type { ManagerLogger } from './types.ts';

const MB = 1024 * 1024;

/**
 * Heroku's runtime-metrics line for a dyno's memory (its `log-runtime-metrics` format, memory part):
 *   `source=web.1 sample#memory_total=470.12MB sample#memory_quota=512.00MB`
 * Source: Heroku Dev Center, "Log Runtime Metrics".
 */
export function memorySampleLine(dyno: string, usedBytes: number, limitBytes: number): string {
  return `source=${dyno} sample#memory_total=${(usedBytes / MB).toFixed(2)}MB sample#memory_quota=${(limitBytes / MB).toFixed(2)}MB`;
}

export interface MemorySamplerOptions {
  runtime: Runtime;
  table: DynoTable;
  /** Between two rounds of samples, ms. */
  intervalMs: number;
  /** A dyno at or above this share of its quota gets a line (0–1). Default 0.8. */
  threshold?: number | undefined;
  /** At most one line per dyno this often, ms. Default 20 000. */
  quietMs?: number | undefined;
  logger?: ManagerLogger | undefined;
}

/**
 * Watches the memory of the dynos that are up, where the runtime can tell (`runtime.memoryUsage`; the process
 * runtime has no memory limits and cannot): a dyno nearing its quota gets Heroku's runtime-metrics line in the
 * app's log, so usage can be seen approaching the limit before the R15 kill. Returns `stop`.
 */
export function startMemorySampler(options: MemorySamplerOptions): () => void {
  const { runtime, table } = options;
  const threshold = options.threshold ?? 0.8;
  const quietMs = options.quietMs ?? 20_000;
  const lastLine = new Map<string, number>(); // dyno id → time of its last line
  if (!runtime.memoryUsage) return () => {};
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const up = [...table.tracked.values()].filter((t) => t.state === 'up' && !t.draining);
    void Promise.all(
      up.map(async (t) => {
        const usage = await runtime.memoryUsage!(t.dyno.id).catch(() => null);
        if (!usage || usage.usedBytes < threshold * usage.limitBytes) return;
        const now = Date.now();
        if (now - (lastLine.get(t.dyno.id) ?? 0) < quietMs) return;
        lastLine.set(t.dyno.id, now);
        table.emit(t.dyno.appId, t.dyno.name, memorySampleLine(t.dyno.name, usage.usedBytes, usage.limitBytes));
      }),
    )
      .catch((err) => options.logger?.warn({ err }, 'memory sampling failed'))
      .finally(() => {
        busy = false;
        for (const id of lastLine.keys()) if (!table.tracked.has(id)) lastLine.delete(id);
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
