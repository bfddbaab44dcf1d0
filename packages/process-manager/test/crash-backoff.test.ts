import { describe, expect, it } from 'vitest';
import { createCrashBackoff } from '../src/crash-backoff.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash backoff', () => {
  it('restarts at once after a first crash, then waits; a later, longer delay never postpones an earlier restart', async () => {
    const due: number[] = [];
    const start = Date.now();
    const backoff = createCrashBackoff({ onDue: () => due.push(Date.now() - start) });
    expect(backoff.crashed('app', 'web.1', 0)).toBe(0);
    await sleep(20);
    expect(due).toHaveLength(1);
    expect(backoff.crashed('app', 'web.1', 0)).toBe(1000); // web.1: due in 1 s
    backoff.crashed('app', 'worker.1', 0);
    backoff.crashed('app', 'worker.1', 0);
    expect(backoff.crashed('app', 'worker.1', 0)).toBe(2000); // worker.1: due in 2 s, must not push web.1's back
    await sleep(1300);
    expect(due).toHaveLength(2);
    expect(due[1]).toBeLessThan(1300);
    backoff.close();
  });

  it('asked too early (a timer firing a hair before its delay), it says wait and calls again when the slot is due', async () => {
    let calls = 0;
    const backoff = createCrashBackoff({ onDue: () => calls++, backoffCapMs: 60 });
    backoff.crashed('app', 'web.1', 0);
    await sleep(5);
    calls = 0;
    backoff.crashed('app', 'web.1', 0); // due in 60 ms
    backoff.cancel('app'); // its timer is gone: only the answer to the early question can bring the next call
    await sleep(30);
    expect(backoff.waiting('app', 'web.1', Date.now())).toBe(true);
    expect(calls).toBe(0);
    await sleep(100);
    expect(calls).toBe(1);
    expect(backoff.waiting('app', 'web.1', Date.now())).toBe(false);
    backoff.close();
  });
});
