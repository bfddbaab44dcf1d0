/**
 * Per-key FIFO lock. `acquire(key, onWait)` resolves with a release function once every earlier
 * holder of the key released; onWait is called (synchronously) when it has to wait.
 */
export interface PushQueue {
  acquire(key: string, onWait: () => void): Promise<() => void>;
}

export function createPushQueue(): PushQueue {
  const tails = new Map<string, Promise<void>>();
  return {
    async acquire(key, onWait) {
      const previous = tails.get(key);
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous ? previous.then(() => mine) : mine;
      tails.set(key, tail);
      if (previous) {
        onWait();
        await previous;
      }
      return () => {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      };
    },
  };
}
