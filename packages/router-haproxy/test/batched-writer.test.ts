import { describe, expect, it } from 'vitest';
import { createBatchedWriter, createSerialQueue } from '../src/runtime-ops.ts';

describe('batched writes of the proxy files', () => {
  it('writes many changes once, after the delay, and not again once written some other way', async () => {
    const { exclusive, idle } = createSerialQueue();
    let writes = 0;
    let written!: () => void;
    const done = new Promise<void>((resolve) => (written = resolve));
    const writer = createBatchedWriter(async () => void (writes++, written()), exclusive, (err) => { throw err; }, 20);
    for (let i = 0; i < 1_000; i++) writer.mark();
    expect(writes).toBe(0);
    await done;
    await idle();
    expect(writes).toBe(1);
    writer.mark();
    await exclusive(writer.writeNow); // a reload writes everything itself
    expect(writes).toBe(2);
    await exclusive(writer.flushPending);
    expect(writes).toBe(2); // nothing left to write
  });
});
