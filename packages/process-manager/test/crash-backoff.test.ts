import { describe, expect, it } from 'vitest';
import { createCrashBackoff } from '../src/crash-backoff.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls `check` every 5 ms until it holds or `ms` pass (a loaded machine runs timers late: wait on the condition). */
async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(5);
}

describe('crash backoff', () => {
  it('restarts at once after a first crash, then waits; a later, longer delay never postpones an earlier restart', async () => {
    const due: number[] = [];
    const start = Date.now();
    const backoff = createCrashBackoff({ onDue: () => due.push(Date.now() - start) });
    expect(backoff.crashed('app', 'web.1', 0)).toBe(0);
    await until(() => due.length === 1, 5_000);
    expect(due).toHaveLength(1);
    expect(backoff.crashed('app', 'web.1', 0)).toBe(1000); // web.1: due in 1 s
    backoff.crashed('app', 'worker.1', 0);
    backoff.crashed('app', 'worker.1', 0);
    expect(backoff.crashed('app', 'worker.1', 0)).toBe(2000); // worker.1: due in 2 s, must not push web.1's back
    await until(() => due.length === 2, 5_000);
    expect(due).toHaveLength(2);
    // web.1's slot (1 s) came first; had worker.1's 2 s pushed it back, it would have come at 2 s at the earliest.
    expect(due[1]).toBeLessThan(1_900);
    backoff.close();
  });

  it('asked too early (a timer firing a hair before its delay), it says wait and calls again when the slot is due', async () => {
    let calls = 0;
    const backoff = createCrashBackoff({ onDue: () => calls++, backoffCapMs: 400 });
    backoff.crashed('app', 'web.1', 0);
    await until(() => calls === 1, 5_000);
    calls = 0;
    const crashedAt = Date.now();
    backoff.crashed('app', 'web.1', 0); // due in 400 ms
    backoff.cancel('app'); // its timer is gone: only the answer to the early question can bring the next call
    expect(backoff.waiting('app', 'web.1', Date.now())).toBe(true);
    expect(calls).toBe(0);
    await until(() => calls === 1, 5_000);
    expect(calls).toBe(1);
    expect(backoff.waiting('app', 'web.1', crashedAt + 1_000)).toBe(false); // well after its slot
    backoff.close();
  });
});
