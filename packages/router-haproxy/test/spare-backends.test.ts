import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, get, startEchoUpstream, startUpstream } from '../../../test/contracts/router-helpers.ts';
import { createControlSocket } from '../src/control-socket.ts';
import { createHaproxyRouter, type HaproxyRouter, type HaproxyRouterOptions } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it returns true; fails after `ms` (a bound, not a measurement). */
async function until(probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(50);
  }
}

/** What the proxy says about itself: the master's reload count (`show proc`), the worker's pid, app → backend. */
function inspect(dir: string) {
  const admin = createControlSocket(join(dir, 'admin.sock'));
  const master = createControlSocket(join(dir, 'master.sock'));
  return {
    /** NaN while the master re-executes itself (a reload): its socket is closed for that moment. */
    async reloads(): Promise<number> {
      return Number(/^\d+\s+master\s+(\d+)/m.exec(await master.send('show proc').catch(() => ''))?.[1] ?? NaN);
    },
    async worker(): Promise<number> {
      return Number(/^Pid: (\d+)$/m.exec(await admin.send('show info'))?.[1] ?? NaN);
    },
    async backendOf(app: string): Promise<string | null> {
      const line = (await admin.send(`show map ${join(dir, 'backends.map')}`)).split('\n').find((l) => l.trim().split(/\s+/)[1] === app);
      return line?.trim().split(/\s+/)[2] ?? null;
    },
  };
}

/** A dyno that streams a chunk every 50 ms until `finish()`; the client reads it through the proxy. */
async function startStream() {
  let open: (() => void) | null = null;
  const ended = new Promise<void>((resolve) => (open = resolve));
  const up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('chunk\n'), 50);
    void ended.then(() => (clearInterval(timer), res.end('end\n')));
  });
  return { up, target: { dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }, finish: () => open!() };
}

/** A GET whose body is read as it comes: `received()` so far, `done` with the status and the whole body. */
function streamingGet(port: number, host: string) {
  let body = '';
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return { received: () => body, done };
}

describe.skipIf(!existsSync(BINARY))('haproxy router: a new app takes a spare backend, without a reload', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(extra: Partial<HaproxyRouterOptions> = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-spare-'));
    const port = await freePort();
    const make = () => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, ...extra });
    const ctx = { dir, port, router: make() as HaproxyRouter, make };
    cleanups.push(async () => {
      await ctx.router.close();
      await ctx.router.stopProxy();
      await rm(dir, { recursive: true, force: true });
    });
    const a = await startEchoUpstream('web.1');
    const b = await startEchoUpstream('web.2');
    cleanups.push(() => closeServer(a.server), () => closeServer(b.server));
    return Object.assign(ctx, { a: a.target, b: b.target }); // one object: the cleanup sees a replaced router
  }

  it('serves an app added while a client streams through another at once, with no reload, and keeps it across a reload and a restart', async () => {
    const { dir, port, router, a } = await setup();
    const proxy = inspect(dir);
    const stream = await startStream();
    cleanups.push(() => closeServer(stream.up.server));
    await router.start();
    await router.setRoutes('stream', [stream.target]);
    const client = streamingGet(port, 'stream.localhost');
    await until(async () => client.received().length > 0);
    const [reloads, worker] = [await proxy.reloads(), await proxy.worker()];

    await router.setRoutes('fresh', [a]);
    await router.setDomains('fresh', ['www.fresh.test']);
    expect(JSON.parse((await get(port, 'fresh.localhost')).body).dyno).toBe('web.1');
    expect((await get(port, 'www.fresh.test')).status).toBe(200);
    expect(await proxy.reloads()).toBe(reloads);
    expect(await proxy.worker()).toBe(worker);
    const spare = await proxy.backendOf('fresh');
    expect(spare).toMatch(/^spare-\d+$/);
    // The stream went on meanwhile and ends whole.
    const before = client.received().length;
    await until(async () => client.received().length > before);
    stream.finish();
    const streamed = await client.done;
    expect(streamed.status).toBe(200);
    expect(streamed.body.endsWith('chunk\nend\n')).toBe(true);

    // A reload (a certificate change takes one): the same backend, the same routes.
    await router.setCertificates([]);
    expect(await proxy.worker()).not.toBe(worker);
    expect(await proxy.backendOf('fresh')).toBe(spare);
    expect(JSON.parse((await get(port, 'fresh.localhost')).body).dyno).toBe('web.1');
    expect((await get(port, 'www.fresh.test')).status).toBe(200);

    // A restart: the proxy killed, started again from the files by the running driver.
    const master = router.pid()!;
    process.kill(master, 'SIGKILL');
    await until(async () => router.pid() !== master && (await get(port, 'fresh.localhost').then((r) => r.status === 200, () => false)));
    expect(await proxy.backendOf('fresh')).toBe(spare);
    expect((await get(port, 'www.fresh.test')).status).toBe(200);
  });

  it('keeps the spare an app took across an adoption by the next platformd, and the next new app takes another', async () => {
    const ctx = await setup();
    const proxy = inspect(ctx.dir);
    await ctx.router.start();
    await ctx.router.setRoutes('fresh', [ctx.a]);
    const spare = await proxy.backendOf('fresh');
    await ctx.router.close();
    const worker = await proxy.worker();

    ctx.router = ctx.make();
    expect((await ctx.router.start()).adopted).toBe(true);
    expect(ctx.router.apps()).toEqual(['fresh']);
    await ctx.router.setRoutes('fresh', [ctx.b]); // a rolling change inside the spare backend, live
    expect(JSON.parse((await get(ctx.port, 'fresh.localhost')).body).dyno).toBe('web.2');
    await ctx.router.setRoutes('later', [ctx.a]);
    expect(JSON.parse((await get(ctx.port, 'later.localhost')).body).dyno).toBe('web.1');
    const other = await proxy.backendOf('later');
    expect(other).toMatch(/^spare-\d+$/);
    expect(other).not.toBe(spare);
    expect(await proxy.backendOf('fresh')).toBe(spare);
    expect(await proxy.worker()).toBe(worker); // neither the adoption nor the new app reloaded
    await ctx.router.removeApp('fresh');
    expect((await get(ctx.port, 'fresh.localhost')).status).toBe(404);
  });

  it('refills a low pool with one reload in the background; with no spare free a new app waits for a reload', async () => {
    const { dir, port, router, a } = await setup({ spareBackends: 2 });
    const proxy = inspect(dir);
    await router.start();
    const reloads = await proxy.reloads();
    await router.setRoutes('one', [a]); // takes a spare: half the pool is gone, a refill follows
    expect(await proxy.backendOf('one')).toMatch(/^spare-\d+$/);
    await until(async () => (await proxy.reloads()) > reloads);
    await router.setRoutes('two', [a]);
    await router.setRoutes('three', [a]);
    for (const app of ['one', 'two', 'three']) expect((await get(port, `${app}.localhost`)).status).toBe(200);

    const none = await setup({ spareBackends: 0 });
    const bare = inspect(none.dir);
    await none.router.start();
    const before = await bare.reloads();
    await none.router.setRoutes('solo', [none.a]);
    expect(await bare.backendOf('solo')).toBe('app-solo');
    expect(await bare.reloads()).toBe(before + 1);
    expect((await get(none.port, 'solo.localhost')).status).toBe(200);
  });
});
