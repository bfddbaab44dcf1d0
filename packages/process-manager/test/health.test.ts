import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { waitForPort } from '../src/health.ts';

describe('waitForPort', () => {
  it('keeps at most one abort listener on the signal however long the dyno takes to bind', async () => {
    // A port nothing listens on: reserve one, then close it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const controller = new AbortController();
    const waiting = waitForPort({ host: '127.0.0.1', port }, controller.signal).catch((err: unknown) => err);
    const counts: number[] = [];
    for (let i = 0; i < 30; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      counts.push(getEventListeners(controller.signal, 'abort').length);
    }
    controller.abort(new Error('gave up'));
    expect(await waiting).toMatchObject({ message: 'gave up' });
    expect(Math.max(...counts)).toBeLessThanOrEqual(1);
  });
});
