import { request } from 'node:http';
import type { DynoAddress, DynoExit, DynoOutput, Runtime } from '@platform/types';

/** Records every output line and exit of a runtime, and lets a test await a condition on them. */
export function recordRuntime(runtime: Runtime) {
  const outputs: DynoOutput[] = [];
  const exits: DynoExit[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const offOutput = runtime.onOutput((o) => {
    outputs.push(o);
    wake();
  });
  const offExit = runtime.onExit((e) => {
    exits.push(e);
    wake();
  });

  /** Resolves with the first non-undefined value of `check`, re-evaluated on every event. */
  function until<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(value);
      };
      waiters.add(waiter);
    });
  }

  return {
    outputs,
    exits,
    linesOf(id: string, stream?: 'stdout' | 'stderr'): string[] {
      return outputs
        .filter((o) => o.id === id && (stream === undefined || o.stream === stream))
        .map((o) => o.line);
    },
    waitForLine(id: string, match: (line: string) => boolean, timeoutMs?: number): Promise<DynoOutput> {
      return until(
        () => outputs.find((o) => o.id === id && match(o.line)),
        `a line from dyno ${id}`,
        timeoutMs,
      );
    },
    waitForExit(id: string, timeoutMs?: number): Promise<DynoExit> {
      return until(() => exits.find((e) => e.id === id), `the exit of dyno ${id}`, timeoutMs);
    },
    exitsOf(id: string): DynoExit[] {
      return exits.filter((e) => e.id === id);
    },
    dispose(): void {
      offOutput();
      offExit();
    },
  };
}

function hostForUrl(address: DynoAddress): string {
  return address.host.includes(':') ? `[${address.host}]` : address.host;
}

/** One GET; resolves with status and body, rejects on a connection error. No keep-alive. */
export function httpGet(address: DynoAddress, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: address.host, port: address.port, path, agent: false, timeout: 5_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until the dyno answers HTTP (it has bound its port), or fails after `timeoutMs`. */
export async function waitForHttp(
  address: DynoAddress,
  path = '/',
  timeoutMs = 30_000,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await httpGet(address, path);
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`dyno at ${hostForUrl(address)}:${address.port} never answered: ${String(lastError)}`);
}

/** True when nothing accepts and answers HTTP at the address any more. */
export async function isUnreachable(address: DynoAddress): Promise<boolean> {
  try {
    await httpGet(address, '/');
    return false;
  } catch {
    return true;
  }
}
