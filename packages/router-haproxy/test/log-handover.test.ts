import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, get, logRecorder, startEchoUpstream } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!existsSync(BINARY))('haproxy router: the access log across platformd restarts under traffic', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('gives the platformds every request line once, in order, while requests flow through stops and starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-log-handover-'));
    const port = await freePort();
    const log = logRecorder();
    const make = () => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, onLog: log.onLog });
    let router: HaproxyRouter = make();
    const up = await startEchoUpstream('web.1');
    cleanups.push(async () => {
      await router.close();
      await router.stopProxy();
      await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    await router.start();
    await router.setRoutes('shop', [up.target]);
    let sent = 0;
    let running = true;
    // About 100 requests a second, one after another: the proxy logs them in this order.
    const traffic = (async () => {
      while (running) {
        expect((await get(port, 'shop.localhost', `/${sent}`)).status).toBe(200);
        sent++;
        await delay(10);
      }
    })();
    // Stops and starts at varied moments: before the keeper took log.sock, while it holds it, as it hands over.
    for (const pause of [100, 700, 1_300, 300, 2_000, 600]) {
      await delay(400);
      await router.close();
      await delay(pause);
      router = make();
      await router.start();
    }
    await delay(1_500);
    running = false;
    await traffic;
    await log.waitFor(sent, 15_000).catch(() => undefined);
    await delay(500); // a doubled line would come after the last one
    const paths = log.entries.map((e) => e.path);
    const expected = Array.from({ length: sent }, (_, i) => `/${i}`);
    const seen = new Map<string, number>();
    for (const p of paths) seen.set(p, (seen.get(p) ?? 0) + 1);
    const report = { sent, received: paths.length, lost: expected.filter((p) => !seen.has(p)), doubled: [...seen].filter(([, n]) => n > 1).map(([p]) => p) };
    expect(report).toEqual({ sent, received: sent, lost: [], doubled: [] });
    expect(paths).toEqual(expected);
  });
});
