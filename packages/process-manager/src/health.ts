import { connect } from 'node:net';
import type { DynoAddress } from '@platform/types';

/**
 * Resolves once a TCP connection to `address` succeeds (the dyno bound $PORT); rejects when `signal` aborts.
 * Polls quickly at first (most apps bind within a few hundred ms), then every 100 ms.
 */
export async function waitForPort(address: DynoAddress, signal: AbortSignal): Promise<void> {
  let attempt = 0;
  while (!signal.aborted) {
    if (await probe(address)) return;
    attempt++;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, attempt < 20 ? 20 : 100);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
  throw signal.reason ?? new Error('aborted');
}

function probe(address: DynoAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
