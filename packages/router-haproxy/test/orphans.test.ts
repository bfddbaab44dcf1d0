import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterLogEntry } from '@platform/router-kit';
import { closeServer, get, logRecorder, startEchoUpstream, startUpstream } from '../../../test/contracts/router-helpers.ts';
import { createControlSocket } from '../src/control-socket.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { ensureLogKeeper, logKeeperPid, stopLogKeeper } from '../src/log-keeper.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it returns true; fails after `ms` (a bound, not a measurement). */
async function until(probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await delay(50);
  }
}

/** Whether a pid is a live process (an exited child of init not yet reaped, a zombie, counts as gone). */
async function alive(pid: number): Promise<boolean> {
  return /^\d+ \(.*\) [^Z]/.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
}

/** The processes whose parent is `pid` (HAProxy's workers, under its master). */
async function childrenOf(pid: number): Promise<number[]> {
  return (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
}

/**
 * The age in seconds of the ring forwarder's session (`show sess`: the applet stream, `proto=?`), or -1. A forwarder
 * that spins on a failing connect never keeps a session a second; one connected keeps it.
 */
async function forwarderAge(dir: string): Promise<number> {
  const out = await createControlSocket(join(dir, 'admin.sock')).send('show sess').catch(() => '');
  const m = /proto=\? .*?age=(\d+)s /.exec(out);
  return m ? Number(m[1]) : -1;
}

/** The live log keepers serving `dir` (processes whose command line runs bin/log-keeper.mjs for it). */
async function keepersOf(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.some((a) => a.endsWith('log-keeper.mjs')) && args.includes(dir) && (await alive(Number(name)))) pids.push(Number(name));
  }
  return pids;
}

describe.skipIf(!existsSync(BINARY))('haproxy router: no orphaned or spinning worker', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(onLog: (e: RouterLogEntry) => void) {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-orphans-'));
    const port = await freePort();
    const make = (log: (e: RouterLogEntry) => void) => createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port }, onLog: log });
    const up = await startEchoUpstream('web.1');
    // One object: the cleanup stops the proxy of whichever router the test left in `router`.
    const ctx = { dir, port, make, router: make(onLog) as HaproxyRouter, target: up.target };
    cleanups.push(async () => {
      await ctx.router.close();
      await ctx.router.stopProxy();
      await closeServer(up.server);
      await rm(dir, { recursive: true, force: true });
    });
    return ctx;
  }

  it('runs one log keeper per directory when two platformds start it at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-haproxy-keepers-'));
    cleanups.push(async () => {
      await stopLogKeeper(dir);
      for (const pid of await keepersOf(dir)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    });
    await Promise.all([ensureLogKeeper(dir, process.execPath), ensureLogKeeper(dir, process.execPath)]);
    // Each may have spawned one: the one log-keeper.pid does not name steps aside.
    await until(async () => (await keepersOf(dir)).length === 1, 5_000);
    expect(await keepersOf(dir)).toEqual([await logKeeperPid(dir)]);
    expect(await ensureLogKeeper(dir, process.execPath)).toBe(await logKeeperPid(dir));
    expect((await keepersOf(dir)).length).toBe(1);
  });

  it('while no platformd listens, the forwarder holds one connection to the log keeper (no reconnect loop), which hands the lines to the next platformd', async () => {
    const first = logRecorder();
    const second = logRecorder();
    const ctx = await setup(first.onLog);
    await ctx.router.start();
    await ctx.router.setRoutes('shop', [ctx.target]);
    const keeper = await logKeeperPid(ctx.dir);
    expect(keeper).not.toBeNull();
    await ctx.router.close(); // platformd is gone: log.sock has no listener
    // The keeper takes log.sock within half a second; the forwarder's one session then lives on.
    await until(async () => (await forwarderAge(ctx.dir)) >= 2, 15_000);
    for (const path of ['/gap-1', '/gap-2']) expect((await get(ctx.port, 'shop.localhost', path)).status).toBe(200);

    ctx.router = ctx.make(second.onLog);
    expect((await ctx.router.start()).adopted).toBe(true);
    expect((await second.waitFor(2)).map((e) => e.path)).toEqual(['/gap-1', '/gap-2']);
    expect((await get(ctx.port, 'shop.localhost', '/after')).status).toBe(200);
    expect((await second.waitFor(3)).map((e) => e.path)).toEqual(['/gap-1', '/gap-2', '/after']);
    expect(await logKeeperPid(ctx.dir)).toBe(keeper);
  });

  it('leaves no worker once its master is killed (old ones holding connections included), and the next platformd starts a proxy it can later adopt', async () => {
    const ctx = await setup(() => undefined);
    // A response that never ends: the worker serving it stays, as an old worker, across the reload below.
    const slow = await startUpstream((_req, res) => {
      res.writeHead(200);
      res.write('start\n');
    });
    cleanups.push(() => closeServer(slow.server));
    const { pid: master } = await ctx.router.start();
    await ctx.router.setRoutes('slow', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: slow.port } }]);
    const held = request({ host: '127.0.0.1', port: ctx.port, path: '/', headers: { host: 'slow.localhost' } });
    await new Promise<void>((resolve) => held.on('response', () => resolve()).end());
    held.on('error', () => undefined);
    await ctx.router.setCertificates([]); // a reload: a new worker, the old one keeps the response
    const workers = await childrenOf(master);
    expect(workers.length).toBe(2);
    const keeper = (await logKeeperPid(ctx.dir))!;
    await ctx.router.close(); // platformd gone, then the master killed (no one restarts it)

    process.kill(master, 'SIGKILL');
    // Each worker exits when the master's end of its socketpair closes (HAProxy's master-worker mode).
    await until(async () => !(await Promise.all(workers.map(alive))).some(Boolean), 5_000);
    // The keeper waits 10 s for a proxy started again, then goes.
    await until(async () => !(await alive(keeper)), 20_000);

    ctx.router = ctx.make(() => undefined);
    const next = await ctx.router.start();
    expect(next.adopted).toBe(false);
    await ctx.router.setRoutes('shop', [ctx.target]);
    expect((await get(ctx.port, 'shop.localhost')).status).toBe(200);
    await ctx.router.close();
    ctx.router = ctx.make(() => undefined);
    expect(await ctx.router.start()).toEqual({ adopted: true, pid: next.pid });
    expect((await get(ctx.port, 'shop.localhost')).status).toBe(200);
  });
});
