/**
 * Requests failed across platformd restarts under load: a stand-in for platformd (edge-control.ts, a process of
 * its own driving router-haproxy as platformd does) is stopped (SIGTERM), started again (it adopts the proxy and
 * sets its route again), then killed with `kill -9` and started again, while ~`rps` requests a second, each on a
 * new connection, go through the proxy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopRouterDir } from '@platform/router-haproxy';

const CONTROL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'edge-control.ts');

function startControl(dir: string, port: number, dynoPort: number): Promise<{ child: ChildProcess; adopted: boolean; stopped: Promise<number> }> {
  const child = spawn(process.execPath, [...process.execArgv, CONTROL, dir, String(port), String(dynoPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const stopped = new Promise<number>((resolve) => child.once('exit', () => resolve(Number(/lines (\d+)/.exec(out)?.[1] ?? NaN))));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (true|false)/.exec(out);
      if (m) resolve({ child, adopted: m[1] === 'true', stopped });
    });
    child.once('exit', (code) => reject(new Error(`the platformd stand-in exited (${code}) before it was ready`)));
  });
}

/** One GET on a new connection; true when the dyno answered 200. */
function get(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: 'bench.localhost' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.setTimeout(5_000, () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface RestartFigures {
  sent: number;
  failed: number;
  /** Time from the stop (or the kill) to the next stand-in's `ready`, ms. */
  gaps: { stop: number; kill: number };
  adopted: boolean[];
}

/** Runs the restart sequence under load against a fresh proxy on `port`; the proxy is stopped at the end. */
export async function benchRestart(o: { dynoPort: number; port: number; rps: number; settleMs: number }): Promise<RestartFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-restart-'));
  const routerDir = path.join(dir, 'router');
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const fire = () => {
    sent++;
    const p = get(o.port).then((ok) => {
      if (!ok) failed++;
      inFlight.delete(p);
    });
    inFlight.add(p);
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const adopted: boolean[] = [];
  try {
    let control = await startControl(routerDir, o.port, o.dynoPort);
    adopted.push(control.adopted);
    const load = setInterval(fire, 1000 / o.rps); // once the first proxy serves
    try {
      await pause(o.settleMs);
      let t0 = performance.now();
      control.child.kill('SIGTERM');
      await control.stopped;
      control = await startControl(routerDir, o.port, o.dynoPort);
      const stop = performance.now() - t0;
      adopted.push(control.adopted);
      await pause(o.settleMs);
      t0 = performance.now();
      control.child.kill('SIGKILL');
      await control.stopped;
      control = await startControl(routerDir, o.port, o.dynoPort);
      const kill = performance.now() - t0;
      adopted.push(control.adopted);
      await pause(o.settleMs);
      control.child.kill('SIGTERM');
      await control.stopped;
      clearInterval(load);
      await Promise.all([...inFlight]);
      return { sent, failed, gaps: { stop, kill }, adopted };
    } finally {
      clearInterval(load);
    }
  } finally {
    await stopRouterDir(routerDir);
    await rm(dir, { recursive: true, force: true });
  }
}
