import { connect } from 'node:net';
import { ErrorCodes, PlatformError, type DynoAddress } from '@platform/types';
import type { WebHealthcheck } from './types.ts';

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
      // One abort listener per wait, removed when the wait ends: a dyno that takes a minute to bind must not
      // pile up hundreds of them on the signal.
      const onAbort = () => (clearTimeout(t), resolve());
      const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), attempt < 20 ? 20 : 100);
      signal.addEventListener('abort', onAbort, { once: true });
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

/**
 * GETs `check.path` on the dyno until it answers 200–399, `check.attempts` times at most; throws PLT_BOOT_TIMEOUT
 * with the last answer otherwise, or the signal's reason once it aborts (the dyno exited).
 */
export async function passesHealthcheck(name: string, address: DynoAddress, check: WebHealthcheck, signal: AbortSignal): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    if (signal.aborted) throw signal.reason;
    try {
      const res = await fetch(`http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}${check.path}`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(check.timeoutMs)]),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 400) return;
      last = `answered ${res.status}`;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      last = (err as Error).name === 'TimeoutError' ? `no answer within ${check.timeoutMs / 1000} s` : `failed (${(err as Error).message})`;
    }
    if (attempt < check.attempts) await staysUp(check.intervalMs, signal);
  }
  throw new PlatformError(ErrorCodes.bootTimeout, `${name} failed its health check: GET ${check.path} ${last} (${check.attempts} attempts)`);
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function staysUp(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
