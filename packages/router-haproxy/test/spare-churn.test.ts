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
  it('settles an app created, given a domain, removed and created again in one burst, with a spare and waiting for a reload', async () => {
    for (const spareBackends of [0, 1]) {
      const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-churn-burst-'));
      const port = await freePort();
      const router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, spareBackends });
      const [a, b] = [await startEchoUpstream('web.1'), await startEchoUpstream('web.2')];
      cleanups.push(async () => {
        await router.close();
        await router.stopProxy();
        await closeServer(a.server);
        await closeServer(b.server);
        await rm(dir, { recursive: true, force: true });
      });
      await router.start();
      await Promise.all([router.setRoutes('x', [a.target]), router.setDomains('x', ['www.x.test']), router.removeApp('x'), router.setRoutes('x', [b.target]), router.setRoutes('y', [a.target]), router.removeApp('y')]);
      expect(router.apps()).toEqual(['x']);
      expect([await dynoAt(port, 'x.localhost'), await dynoAt(port, 'www.x.test'), await dynoAt(port, 'y.localhost')]).toEqual(['web.2', 404, 404]);
    }
  });
});

describe.skipIf(!existsSync(BINARY))('haproxy router: the spare pool when the proxy dies around a refill', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('serves every app, old and new, once the proxy killed while its pool ran low is started again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-churn-kill-'));
    const port = await freePort();
    const router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, spareBackends: 2 });
    const ups = await Promise.all(Array.from({ length: 6 }, (_, i) => startEchoUpstream(`web.${i + 1}`)));
    cleanups.push(async () => {
      await router.close();
      await router.stopProxy();
      for (const up of ups) await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    const { pid } = await router.start();
    await router.setRoutes('app0', [ups[0]!.target]); // the pool is now at half: a refill follows in a second
    process.kill(pid, 'SIGKILL');
    // Changes while the proxy is dead or coming back; each settles (served or refused), none hangs.
    const results = await Promise.allSettled(ups.slice(1).map((up, i) => router.setRoutes(`app${i + 1}`, [up.target])));
    const deadline = Date.now() + 20_000;
    while (router.pid() === pid && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(router.pid()).not.toBe(pid);
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') continue;
      expect((r.reason as { code?: string }).code).toBe('PLT_ROUTER_UNAVAILABLE'); // said as such, not a bare ECONNREFUSED
      await router.setRoutes(`app${i + 1}`, [ups[i + 1]!.target]);
    }
    for (let i = 0; i < ups.length; i++) expect(await dynoAt(port, `app${i}.localhost`)).toBe(`web.${i + 1}`);
    await router.setRoutes('later', [ups[0]!.target]);
    expect(await dynoAt(port, 'later.localhost')).toBe('web.1');
  });
});

describe.skipIf(!existsSync(BINARY))('haproxy router: an adoption while the proxy reloads', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('gives a new app its spare in the worker that serves on, when the previous platformd died right after asking for a reload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-adopt-reload-'));
    const port = await freePort();
    const make = () => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, spareBackends: 8 });
    let router: HaproxyRouter = make();
    const up = await startEchoUpstream('web.1');
    cleanups.push(async () => {
      await router.close();
      await router.stopProxy();
      await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    const { pid } = await router.start();
    for (let round = 0; round < 4; round++) {
      await router.close();
      process.kill(pid, 'SIGUSR2'); // what the previous platformd sent before it died
      router = make();
      await router.start();
      await router.setRoutes(`app${round}`, [up.target]);
      // Served now, and still once any old worker has gone (a change it alone got would be lost then).
      expect(await dynoAt(port, `app${round}.localhost`)).toBe('web.1');
    }
    await router.close();
    router = make();
    await router.start();
    for (let round = 0; round < 4; round++) for (let i = 0; i < 3; i++) expect(await dynoAt(port, `app${round}.localhost`)).toBe('web.1');
  });
});
