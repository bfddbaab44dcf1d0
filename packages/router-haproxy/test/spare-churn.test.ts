import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, get, startEchoUpstream } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';

/** The dyno name an echo upstream answered with, or the status when no dyno did. */
async function dynoAt(port: number, host: string): Promise<string | number> {
  const res = await get(port, host);
  return res.status === 200 ? (JSON.parse(res.body) as { dyno: string }).dyno : res.status;
}

describe.skipIf(!existsSync(BINARY))('haproxy router: apps created and removed faster than the spare pool refills', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('serves each app at its own dyno through a burst larger than the pool, removal and re-creation under the same name, and an adoption', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-churn-'));
    const port = await freePort();
    const make = () => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, spareBackends: 4 });
    let router: HaproxyRouter = make();
    const ups = await Promise.all(Array.from({ length: 12 }, (_, i) => startEchoUpstream(`web.${i + 1}`)));
    cleanups.push(async () => {
      await router.close();
      await router.stopProxy();
      for (const up of ups) await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    await router.start();
    const apps = ups.slice(0, 10).map((_, i) => `app${i}`);
    // Ten apps at once with four spares: some take a spare, the rest wait for one coalesced reload.
    await Promise.all(apps.map((app, i) => router.setRoutes(app, [ups[i]!.target]).then(() => router.setDomains(app, [`www.${app}.test`]))));
    for (const [i, app] of apps.entries()) {
      expect(await dynoAt(port, `${app}.localhost`)).toBe(`web.${i + 1}`);
      expect(await dynoAt(port, `www.${app}.test`)).toBe(`web.${i + 1}`);
    }
    // Removed apps stop routing at once, their custom domains with them.
    for (const app of apps.slice(0, 5)) await router.removeApp(app);
    for (const app of apps.slice(0, 5)) {
      expect(await dynoAt(port, `${app}.localhost`)).toBe(404);
      expect(await dynoAt(port, `www.${app}.test`)).toBe(404);
    }
    // The same names again, at other dynos, in maintenance for one of them: each sees its own settings.
    await router.setRoutes('app0', [ups[10]!.target]);
    await router.setRoutes('app1', [ups[11]!.target]);
    await router.setSettings('app1', { maintenance: true, redirectHttps: false });
    expect(await dynoAt(port, 'app0.localhost')).toBe('web.11');
    expect(await dynoAt(port, 'app1.localhost')).toBe(503);
    expect(await dynoAt(port, 'www.app0.test')).toBe(404);
    for (const [i, app] of apps.slice(5).entries()) expect(await dynoAt(port, `${app}.localhost`)).toBe(`web.${i + 6}`);

    await router.close();
    router = make();
    await router.start();
    expect(router.apps().sort()).toEqual(['app0', 'app1', ...apps.slice(5)].sort());
    await router.setSettings('app1', { maintenance: false, redirectHttps: false });
    await router.removeApp('app0');
    await router.setRoutes('app2', [ups[2]!.target]);
    expect(await dynoAt(port, 'app0.localhost')).toBe(404);
    expect(await dynoAt(port, 'app1.localhost')).toBe('web.12');
    expect(await dynoAt(port, 'app2.localhost')).toBe('web.3');
  });
});
