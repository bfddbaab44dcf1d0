import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterLogEntry } from '@platform/router-kit';
import { closeServer, get, startEchoUpstream } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';
const SCRIPT = fileURLToPath(new URL('../bin/supervised-haproxy.sh', import.meta.url));

/**
 * What docker-compose's router service does: runs bin/supervised-haproxy.sh, and runs it again whenever it exits
 * (`restart: unless-stopped`). Returns the current child and a stop function.
 */
function supervise(dir: string) {
  let child: ChildProcess | null = null;
  let stopping = false;
  let starts = 0;
  const startOne = () => {
    starts++;
    child = spawn('sh', [SCRIPT], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PLATFORM_ROUTER_DIR: dir }, stdio: 'ignore' });
    child.on('exit', () => {
      if (!stopping) startOne();
    });
  };
  startOne();
  return {
    starts: () => starts,
    pid: () => child?.pid ?? 0,
    async stop() {
      stopping = true;
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      await exited;
    },
  };
}

const until = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.skipIf(!existsSync(BINARY))('haproxy router: a proxy another supervisor runs (docker-compose, Swarm)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('waits for the supervised proxy, drives it, reloads it through the master socket, and is adopted by the next platformd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-supervised-'));
    const port = await freePort();
    // The supervisor starts first and waits for the config platformd writes.
    const supervisor = supervise(dir);
    const logs: RouterLogEntry[] = [];
    const make = () =>
      createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, supervisor: 'external', startTimeoutMs: 30_000, onLog: (e) => logs.push(e) });
    let router: HaproxyRouter = make();
    const a = await startEchoUpstream('web.1');
    const b = await startEchoUpstream('web.2');
    cleanups.push(async () => {
      await router.close();
      await supervisor.stop();
      await closeServer(a.server);
      await closeServer(b.server);
      await rm(dir, { recursive: true, force: true });
    });

    const first = await router.start();
    expect(first.adopted).toBe(false);
    // A new app needs a reload: the master CLI's `reload`, as platformd cannot signal another container's pid.
    await router.setRoutes('shop', [a.target]);
    expect(JSON.parse((await get(port, 'shop.localhost')).body).dyno).toBe('web.1');
    await until('the access log line', async () => logs.some((e) => e.app === 'shop' && e.status === 200));

    // The log socket is private to the router's directory: no dyno can write router lines.
    expect((await stat(join(dir, 'log.sock'))).mode & 0o777).toBe(0o600);

    // platformd stops; the proxy serves on; the next platformd adopts it (same token, same routes).
    await router.close();
    expect((await get(port, 'shop.localhost', '/while-platformd-is-down')).status).toBe(200);
    router = make();
    const second = await router.start();
    expect(second).toEqual({ adopted: true, pid: first.pid });
    expect(router.apps()).toEqual(['shop']);
    // The line of the request served while no platformd listened waited in the proxy's ring: late, not lost.
    await until('the line logged while platformd was down', async () => logs.some((e) => e.path === '/while-platformd-is-down'));
    await router.setRoutes('shop', [a.target, b.target]);
    await router.setRoutes('shop', [b.target]);
    expect(JSON.parse((await get(port, 'shop.localhost')).body).dyno).toBe('web.2');
    // stopProxy leaves a supervised proxy to its supervisor.
    await router.stopProxy();
    expect((await get(port, 'shop.localhost')).status).toBe(200);
    expect(supervisor.starts()).toBe(1);
  });

  it('keeps its routes when the supervisor starts a killed proxy again, and goes on driving the new one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-supervised-kill-'));
    const port = await freePort();
    const supervisor = supervise(dir);
    const router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, supervisor: 'external', startTimeoutMs: 30_000 });
    const a = await startEchoUpstream('web.1');
    const b = await startEchoUpstream('web.2');
    cleanups.push(async () => {
      await router.close();
      await supervisor.stop();
      await closeServer(a.server);
      await closeServer(b.server);
      await rm(dir, { recursive: true, force: true });
    });
    await router.start();
    await router.setRoutes('shop', [a.target]);
    await router.setDomains('shop', ['www.shop.test']);

    process.kill(supervisor.pid(), 'SIGKILL');
    await until('the supervisor to start the proxy again', async () => supervisor.starts() === 2);
    await until('the new proxy to serve the routes it read from the files', async () => (await get(port, 'www.shop.test').catch(() => ({ status: 0 }))).status === 200);
    expect(JSON.parse((await get(port, 'shop.localhost')).body).dyno).toBe('web.1');
    // Runtime changes reach the new process, and a new app reloads it.
    await router.setRoutes('shop', [b.target]);
    await router.setRoutes('blog', [a.target]);
    expect(JSON.parse((await get(port, 'shop.localhost')).body).dyno).toBe('web.2');
    expect(JSON.parse((await get(port, 'blog.localhost')).body).dyno).toBe('web.1');
  });

  it('says what to start when no supervisor runs the proxy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-supervised-none-'));
    const router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port: await freePort() }, supervisor: 'external', startTimeoutMs: 500 });
    cleanups.push(async () => {
      await router.close();
      await rm(dir, { recursive: true, force: true });
    });
    await expect(router.start()).rejects.toMatchObject({ code: 'PLT_ROUTER_UNAVAILABLE', message: expect.stringContaining('router service') });
    // The files are there for a supervisor to start from.
    expect(existsSync(join(dir, 'haproxy.cfg'))).toBe(true);
  });
});
