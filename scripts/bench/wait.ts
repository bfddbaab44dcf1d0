/**
 * Polls a condition until it holds and resolves with the moment (performance.now()) it was first seen to hold.
 * Benchmarks poll faster than the e2e `eventually` (25 ms, not 100 ms) so the poll interval stays below the noise.
 */
export async function until(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; what: string; signal?: AbortSignal },
): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    if (options.signal?.aborted) throw new Error(`stopped waiting for ${options.what}`);
    try {
      if (await check()) return performance.now();
    } catch (err) {
      last = err; // a refused connection while a dyno restarts is part of the wait
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
  throw new Error(
    `timed out after ${options.timeoutMs} ms waiting for ${options.what}${last ? ` (last error: ${String(last)})` : ''}`,
  );
}
