import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { describeRouterContract } from '../../../test/contracts/router.contract.ts';
import { createHaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';

/**
 * The suite twice: with spare backends (the default: each app a test makes takes one over at run time) and with
 * none (each app's backend declared by a reload), so every per-app rule holds on both kinds of backend.
 */
const variants = [
  { name: 'haproxy', spareBackends: undefined },
  { name: 'haproxy, no spare backends (a reload per new app)', spareBackends: 0 },
];

for (const { name, spareBackends } of existsSync(BINARY) ? variants : []) {
  describeRouterContract(name, async (options) => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-'));
    const port = await freePort();
    const router = createHaproxyRouter({
      dir,
      domain: options.domain,
      listen: { host: '127.0.0.1', port },
      tlsPort: 0,
      onLog: options.onLog,
      timeouts: { requestMs: options.requestTimeoutMs, idleMs: options.idleTimeoutMs, headersMs: options.headersTimeoutMs, keepAliveMs: options.keepAliveTimeoutMs, queueMs: options.queueTimeoutMs },
      limits: { dynoConcurrency: options.dynoConcurrency, backlogPerDyno: options.backlogPerDyno },
      spareBackends,
    });
    await router.start();
    return {
      router,
      port,
      tlsPort: router.tlsPort()!,
      async close() {
        await router.close();
        await router.stopProxy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}
if (!existsSync(BINARY)) {
  describe('router contract: haproxy', () => it.skip(`needs ${BINARY} (bash scripts/prerequisites.sh router)`, () => {}));
}
