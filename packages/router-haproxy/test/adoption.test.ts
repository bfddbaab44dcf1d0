import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterLogEntry } from '@platform/router-kit';
import { closeServer, get, logRecorder, selfSignedCertificate, startEchoUpstream } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';

describe.skipIf(!existsSync(BINARY))('haproxy router: the proxy outlives its control plane', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('keeps serving after close(), and a new router adopts the same proxy and reconciles its routes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-adopt-'));
    const port = await freePort();
    const make = () => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port } });
    let last: HaproxyRouter = make();
    cleanups.push(async () => {
      await last.close();
      await last.stopProxy();
      await rm(dir, { recursive: true, force: true });
    });
    const a = await startEchoUpstream('web.1');
    const b = await startEchoUpstream('web.2');
    cleanups.push(() => closeServer(a.server), () => closeServer(b.server));

    const first = await last.start();
    expect(first.adopted).toBe(false);
    await last.setRoutes('shop', [a.target]);
    await last.setDomains('shop', ['www.shop.test', '*.shop.io']);
    await last.setSettings('other', { maintenance: true, redirectHttps: false });
    const challenge = '/.well-known/acme-challenge/tok-1';
    await last.setChallenge('tok-1', 'tok-1.thumb');
    await last.setRoutes('later', []); // a new app: a reload, which keeps the challenge (acme.map)
    expect((await get(port, 'www.shop.test', challenge)).body).toBe('tok-1.thumb');
    await last.close(); // platformd stops: the data plane does not

    expect(JSON.parse((await get(port, 'shop.localhost')).body).dyno).toBe('web.1');
    expect((await get(port, 'eu.shop.io')).status).toBe(200);
    expect((await get(port, 'anything.test', challenge)).body).toBe('tok-1.thumb');

    last = make();
    const second = await last.start();
    expect(second).toEqual({ adopted: true, pid: first.pid });
    expect(last.apps().sort()).toEqual(['later', 'other', 'shop']);
    // The previous run's issuance died with it: its challenges are no longer answered.
    expect((await get(port, 'anything.test', challenge)).status).toBe(404);
    // Reconciling: a rolling replacement, then a domain change, both live once resolved.
    await last.setRoutes('shop', [a.target, b.target]);
    await last.setRoutes('shop', [b.target]);
    for (let i = 0; i < 5; i++) expect(JSON.parse((await get(port, 'shop.localhost')).body).dyno).toBe('web.2');
    await last.setDomains('shop', ['www.shop.test']);
    expect((await get(port, 'eu.shop.io')).status).toBe(404);
    expect((await get(port, 'www.shop.test')).status).toBe(200);
    expect((await get(port, 'other.localhost')).status).toBe(503);
    await last.removeApp('other');
    expect((await get(port, 'other.localhost')).status).toBe(404);
  });

  it('an adopting platformd knows which apps are crashed or redirected to HTTPS, and can switch them off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-adopt-switches-'));
    const port = await freePort();
    const make = () => createHaproxyRouter({ dir: join(dir, 'router'), domain: 'localhost', listen: { host: '127.0.0.1', port }, tlsPort: 0 });
    let last: HaproxyRouter = make();
    const up = await startEchoUpstream('web.1');
    cleanups.push(async () => {
      await last.close();
      await last.stopProxy();
      await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    await last.start();
    await last.setCertificates([{ id: 'c1', app: 'shop', hostnames: ['shop.localhost'], ...(await selfSignedCertificate(['shop.localhost'])) }]);
    await last.setRoutes('shop', [up.target]);
    await last.setSettings('shop', { maintenance: false, redirectHttps: true });
    await last.setRoutes('down', [], { crashed: true });
    expect((await get(port, 'shop.localhost')).status).toBe(301);
    await last.close();

    last = make();
    expect((await last.start()).adopted).toBe(true);
    await last.setSettings('shop', { maintenance: false, redirectHttps: false });
    await last.setRoutes('down', [up.target]);
    expect((await get(port, 'shop.localhost')).status).toBe(200);
    expect((await get(port, 'down.localhost')).status).toBe(200);
  });

  it('starts the proxy again when it dies under a running platformd, with its routes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-watchdog-'));
    const port = await freePort();
    const router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port } });
    const up = await startEchoUpstream('web.1');
    cleanups.push(async () => {
      await router.close();
      await router.stopProxy();
      await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    const { pid } = await router.start();
    await router.setRoutes('shop', [up.target]);
    await router.setChallenge('tok-2', 'tok-2.thumb');
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    let status = 0;
    // Its orphaned worker may serve a moment longer: done once a new master serves.
    while ((status !== 200 || router.pid() === pid) && Date.now() < deadline) {
      status = await get(port, 'shop.localhost').then((r) => r.status, () => 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(router.pid()).not.toBe(pid);
    expect((await get(port, 'shop.localhost')).status).toBe(200);
    expect((await get(port, 'shop.localhost', '/.well-known/acme-challenge/tok-2')).body).toBe('tok-2.thumb');
  });

  it('hands the next platformd the access-log lines of requests served while none listened, each once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-log-gap-'));
    const port = await freePort();
    const first = logRecorder();
    const second = logRecorder();
    const make = (onLog: (e: RouterLogEntry) => void) => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, onLog });
    let last = make(first.onLog);
    const up = await startEchoUpstream('web.1');
    cleanups.push(async () => {
      await last.close();
      await last.stopProxy();
      await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    await last.start();
    await last.setRoutes('shop', [up.target]);
    expect((await get(port, 'shop.localhost', '/before')).status).toBe(200);
    await first.waitFor(1);
    await last.close(); // platformd stops; the proxy serves and keeps the lines in its ring
    for (const path of ['/gap-1', '/gap-2']) expect((await get(port, 'shop.localhost', path)).status).toBe(200);
    last = make(second.onLog);
    await last.start();
    expect((await second.waitFor(2)).map((e) => e.path)).toEqual(['/gap-1', '/gap-2']);
    expect((await get(port, 'shop.localhost', '/after')).status).toBe(200);
    expect((await second.waitFor(3)).map((e) => e.path)).toEqual(['/gap-1', '/gap-2', '/after']);
    expect(first.entries.map((e) => e.path)).toEqual(['/before']);
  });
});
