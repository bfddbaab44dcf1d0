// The process manager, table-tested on the in-memory runtime: no processes, no Docker, no end-to-end server.
// Each case states a formation, what the dynos do (runtime-memory behaviours) and what must follow: the app's
// events (Heroku's wording), `ps`, the router's table, what the runtime was asked to start.
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRuntime, type DynoBehaviour, type MemoryRuntime } from '@platform/runtime-memory';
import type { DynoSpec } from '@platform/types';
import { createProcessManager, type AppTarget, type ProcessManager, type ReleaseTarget } from '../src/index.ts';

const APP_ID = 'app-1';

function release(version: number, commands: Record<string, string> = { web: 'node web.js', worker: 'node worker.js' }, extra: Partial<ReleaseTarget> = {}): ReleaseTarget {
  return { id: `rel-${version}`, version, commands, artifact: { slugPath: `/slugs/v${version}.tgz`, slugChecksum: `sum${version}` }, env: { GREETING: `v${version}` }, ...extra };
}

interface Harness {
  runtime: MemoryRuntime;
  manager: ProcessManager;
  target: AppTarget;
  events: string[];
  routes: () => string[];
  /** What the last route publication said: every web dyno crashed (H10). */
  crashed: () => boolean;
  ps: () => string[];
  running: () => Promise<string[]>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.manager.close();
    await h.runtime.close();
  }
});

function harness(options: { behaviour?: (spec: DynoSpec) => DynoBehaviour; quantities?: Record<string, number>; runtime?: MemoryRuntime; graceMs?: number; healthWindowMs?: number; routeDelayMs?: number; onRoutes?: (addresses: string[]) => void } = {}): Harness {
  const runtime = options.runtime ?? createMemoryRuntime({ behaviour: options.behaviour ?? (() => ({})) });
  const events: string[] = [];
  let routed: string[] = [];
  let crashed = false;
  const target: AppTarget = { app: 'shop', appId: APP_ID, release: null, quantities: options.quantities ?? { web: 1 } };
  const manager = createProcessManager({
    runtime,
    loadTarget: async () => (target.release === undefined ? null : target),
    listAppIds: async () => [APP_ID],
    setRoutes: async (_app, targets, state) => {
      crashed = state.crashed;
      // A router that takes a while to apply a change (the native proxy's control socket).
      if (options.routeDelayMs) await new Promise((resolve) => setTimeout(resolve, options.routeDelayMs));
      routed = targets.map((t) => t.dyno).sort();
      options.onRoutes?.(targets.map((t) => `${t.address.host}:${t.address.port}`));
    },
    onEvent: (e) => events.push(`${e.source}: ${e.message}`),
    bootTimeoutMs: 400,
    graceMs: options.graceMs ?? 100,
    healthWindowMs: options.healthWindowMs ?? 0,
    tickMs: 3_600_000,
    memorySampleMs: 20,
  });
  const h: Harness = {
    runtime,
    manager,
    target,
    events,
    routes: () => routed,
    crashed: () => crashed,
    ps: () => manager.dynos(APP_ID).map((d) => `${d.name} v${d.releaseVersion} ${d.state}`),
    running: async () => (await runtime.list({ app: 'shop' })).filter((d) => d.running).map((d) => `${d.name} ${d.releaseId}`).sort(),
  };
  open.push(h);
  return h;
}

async function deploy(h: Harness, r: ReleaseTarget): Promise<void> {
  await h.manager.deploy(APP_ID, r, async () => {
    h.target.release = r;
  });
}

/** Waits until `check` passes (the manager works in the background after crashes), up to 3 s. */
async function until(check: () => unknown): Promise<void> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('process manager on the in-memory runtime', () => {
  it('deploys a formation: every dyno up, web dynos routed, events in Heroku words', async () => {
    const h = harness({ quantities: { web: 2, worker: 1 } });
    await deploy(h, release(1));
    expect(h.ps()).toEqual(['web.1 v1 up', 'web.2 v1 up', 'worker.1 v1 up']);
    expect(h.routes()).toEqual(['web.1', 'web.2']);
    expect(h.events).toContain('web.1: Starting process with command `node web.js`');
    expect(h.events).toContain('web.1: State changed from starting to up');
    // The dyno's env is the release's config plus Heroku's dyno metadata.
    const web = h.runtime.started.find((s) => s.name === 'web.1')!;
    expect(web.env).toMatchObject({ GREETING: 'v1', HEROKU_APP_NAME: 'shop', HEROKU_RELEASE_VERSION: 'v1' });
  });

  it('starts each process type at its formation size, and the rest at the runtime default', async () => {
    const h = harness({ quantities: { web: 1, worker: 1 } });
    h.target.sizes = { worker: { memoryMb: 1024, pids: 512 } };
    await deploy(h, release(1));
    expect(h.runtime.started.find((s) => s.name === 'worker.1')!.size).toEqual({ memoryMb: 1024, pids: 512 });
    expect(h.runtime.started.find((s) => s.name === 'web.1')!.size).toBeUndefined();
  });

  it('rolls a new release one web dyno at a time, each new one up before its predecessor is stopped', async () => {
    const h = harness({ quantities: { web: 2 } });
    await deploy(h, release(1));
    h.events.length = 0;
    await deploy(h, release(2));
    await until(async () => expect(await h.running()).toEqual(['web.1 rel-2', 'web.2 rel-2']));
    const order = h.events.filter((e) => /Starting process|Stopping all/.test(e));
    expect(order).toEqual([
      'web.1: Starting process with command `node web.js`',
      'web.1: Stopping all processes with SIGTERM',
      'web.2: Starting process with command `node web.js`',
      'web.2: Stopping all processes with SIGTERM',
    ]);
    expect(h.ps()).toEqual(['web.1 v2 up', 'web.2 v2 up']);
  });

  it('stops a replaced dyno only once the router applied the routes without it', async () => {
    let applied: string[] = [];
    const h = harness({ quantities: { web: 2 }, routeDelayMs: 60, onRoutes: (a) => (applied = a) });
    const stop = h.runtime.stop.bind(h.runtime);
    const routedWhenStopped: string[] = [];
    h.runtime.stop = async (id, options) => {
      const dyno = (await h.runtime.list()).find((d) => d.id === id);
      if (dyno && applied.includes(`${dyno.address.host}:${dyno.address.port}`)) routedWhenStopped.push(dyno.name);
      return stop(id, options);
    };
    await deploy(h, release(1));
    await deploy(h, release(2));
    await until(async () => expect(await h.running()).toEqual(['web.1 rel-2', 'web.2 rel-2']));
    h.target.quantities = { web: 1 };
    await h.manager.reconcile(APP_ID);
    await until(async () => expect(await h.running()).toEqual(['web.1 rel-2']));
    expect(routedWhenStopped).toEqual([]);
    expect(h.routes()).toEqual(['web.1']);
  });

  const failedBoots: Array<[string, DynoBehaviour, number, RegExp]> = [
    ['never binds $PORT', { bind: 'never' }, 0, /web\.1 failed to bind to \$PORT within 0 seconds of launch/],
    ['exits during boot', { bind: 'never', exitAfterMs: 20, exitCode: 3 }, 0, /web\.1 exited during boot \(status 3\)/],
    ['crashes within the health window', { exitAfterMs: 50, exitCode: 1 }, 300, /web\.1 crashed \(status 1\) within 0 seconds of binding/],
  ];
  it.each(failedBoots)('fails a deploy whose web dyno %s, and leaves the running release serving', async (_what, bad, healthWindowMs, message) => {
    const h = harness({ behaviour: (spec) => (spec.releaseId === 'rel-2' ? bad : {}), healthWindowMs });
    await deploy(h, release(1));
    await expect(deploy(h, release(2))).rejects.toMatchObject({ code: 'PLT_BOOT_TIMEOUT', message: expect.stringMatching(message) });
    expect(h.target.release?.id).toBe('rel-1');
    expect(await h.running()).toEqual(['web.1 rel-1']);
    expect(h.routes()).toEqual(['web.1']);
    expect(h.ps()).toEqual(['web.1 v1 up']);
  });

  it("holds a deploy to the app's HTTP health check", async () => {
    const h = harness({ behaviour: (spec) => (spec.releaseId === 'rel-2' ? { httpStatus: 500 } : {}) });
    await deploy(h, release(1));
    const check = { path: '/health', attempts: 2, timeoutMs: 200, intervalMs: 10 };
    await expect(deploy(h, release(2, undefined, { healthcheck: check }))).rejects.toMatchObject({
      message: 'web.1 failed its health check: GET /health answered 500 (2 attempts)',
    });
    expect(await h.running()).toEqual(['web.1 rel-1']);
  });

  it('restarts a crashed dyno at once, then backs off, and shows the crash in ps meanwhile', async () => {
    const h = harness({ quantities: { worker: 1 } });
    await deploy(h, release(1, { worker: 'node worker.js' }));
    const first = (await h.runtime.list()).find((d) => d.running)!;
    await h.runtime.crash(first.id, 1);
    // First crash: restarted at once.
    await until(() => expect(h.runtime.started.filter((s) => s.name === 'worker.1')).toHaveLength(2));
    await until(() => expect(h.ps()).toEqual(['worker.1 v1 up']));
    expect(h.events).toContain('worker.1: Process exited with status 1');
    expect(h.events).toContain('worker.1: State changed from up to crashed');
    // Second crash in a row: a 1 s delay, during which ps lists the slot as crashed.
    const second = (await h.runtime.list()).find((d) => d.running)!;
    await h.runtime.crash(second.id, 1);
    await until(() => expect(h.ps()).toEqual(['worker.1 v1 crashed']));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.runtime.started.filter((s) => s.name === 'worker.1')).toHaveLength(2);
    await until(() => expect(h.ps()).toEqual(['worker.1 v1 up']));
    expect(h.runtime.started.filter((s) => s.name === 'worker.1')).toHaveLength(3);
  });

  it('tells the router when no web dyno is up because they crashed (H10), and not once one is up again', async () => {
    const h = harness({ quantities: { web: 1 } });
    await deploy(h, release(1));
    expect({ routes: h.routes(), crashed: h.crashed() }).toEqual({ routes: ['web.1'], crashed: false });
    // The first crash restarts at once; the second in a row waits 1 s, while the router is told "crashed".
    await h.runtime.crash((await h.runtime.list()).find((d) => d.running)!.id, 1);
    await until(() => expect(h.ps()).toEqual(['web.1 v1 up']));
    await until(() => expect(h.routes()).toEqual(['web.1']));
    await h.runtime.crash((await h.runtime.list()).find((d) => d.running)!.id, 1);
    await until(() => expect({ routes: h.routes(), crashed: h.crashed(), ps: h.ps() }).toEqual({ routes: [], crashed: true, ps: ['web.1 v1 crashed'] }));
    await until(() => expect({ routes: h.routes(), crashed: h.crashed() }).toEqual({ routes: ['web.1'], crashed: false }));
  });

  it('names a memory kill R15 in the app log', async () => {
    const h = harness({ quantities: { worker: 1 } });
    await deploy(h, release(1, { worker: 'node worker.js' }));
    const dyno = (await h.runtime.list()).find((d) => d.running)!;
    await h.runtime.exit(dyno.id, { code: 137, signal: null, outOfMemory: { limitMb: 512 } });
    await until(() =>
      expect(h.events).toContain('worker.1: Error R15 (Memory quota vastly exceeded) -> the process used more than its 512 MB and was killed'),
    );
  });

  it("logs Heroku's runtime-metrics memory line for a dyno nearing its quota, at most once per quiet period", async () => {
    const runtime = createMemoryRuntime();
    const h = harness({ runtime, quantities: { worker: 2 } });
    await deploy(h, release(1, { worker: 'node worker.js' }));
    const [a, b] = (await runtime.list()).filter((d) => d.running).sort((x, y) => x.name.localeCompare(y.name));
    const MB = 1024 * 1024;
    runtime.setMemory(a!.id, { usedBytes: 470 * MB, limitBytes: 512 * MB }); // 92 %: reported
    runtime.setMemory(b!.id, { usedBytes: 100 * MB, limitBytes: 512 * MB }); // 20 %: not
    await until(() => expect(h.events).toContain('worker.1: source=worker.1 sample#memory_total=470.00MB sample#memory_quota=512.00MB'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(h.events.filter((e) => e.includes('sample#memory_total'))).toHaveLength(1);
  });

  it('scales down gracefully, and says R12 when a dyno ignores SIGTERM', async () => {
    const h = harness({ quantities: { worker: 3 }, behaviour: (spec) => (spec.name === 'worker.3' ? { onStop: 'ignore' } : {}) });
    await deploy(h, release(1, { worker: 'node worker.js' }));
    h.target.quantities = { worker: 1 };
    await h.manager.reconcile(APP_ID);
    await until(async () => expect(await h.running()).toEqual(['worker.1 rel-1']));
    expect(h.ps()).toEqual(['worker.1 v1 up']);
    expect(h.events).toContain('worker.3: Error R12 (Exit timeout) -> Process failed to exit within 0 seconds of SIGTERM');
    expect(h.events).toContain('worker.3: Stopping all processes with SIGKILL');
    expect(h.events.some((e) => e.startsWith('worker.2: Error R12'))).toBe(false);
  });

  it('adopts the dynos a previous manager left running instead of restarting them', async () => {
    const runtime = createMemoryRuntime();
    const first = harness({ runtime, quantities: { web: 2 } });
    await deploy(first, release(1));
    await first.manager.close(); // the platform restarts; its dynos keep running
    open.splice(open.indexOf(first), 1);
    const second = harness({ runtime, quantities: { web: 2 } });
    second.target.release = release(1);
    await second.manager.start();
    expect(runtime.started).toHaveLength(2);
    expect(second.routes()).toEqual(['web.1', 'web.2']);
    expect(second.ps()).toEqual(['web.1 v1 up', 'web.2 v1 up']);
  });

  it('runs a detached one-off until its time to live, never restarting it', async () => {
    const h = harness({ quantities: { web: 0 } });
    await deploy(h, release(1));
    const run = await h.manager.runOneOff({ app: 'shop', appId: APP_ID, release: release(1), command: 'node task.js', env: { A: '1' }, attach: null, ttlMs: 50, by: 'admin@example.com' });
    expect(run.status.name).toMatch(/^run\.\d+$/);
    const exit = await run.exited;
    expect(exit.requested).toBe(true);
    expect(h.events).toContain(`${run.status.name}: Time to live of 0 s reached`);
    expect(h.events).toContain(`${run.status.name}: Starting process with command \`node task.js\` by user admin@example.com`);
    await h.manager.reconcile(APP_ID);
    expect(h.runtime.started.filter((s) => s.type === 'run')).toHaveLength(1);
  });

  it('stops every dyno of an app that is gone from the store', async () => {
    const h = harness({ quantities: { web: 1, worker: 2 } });
    await deploy(h, release(1));
    (h.target as { release: ReleaseTarget | null | undefined }).release = undefined; // loadTarget → null
    await h.manager.reconcile(APP_ID);
    expect(await h.running()).toEqual([]);
    expect(h.ps()).toEqual([]);
  });
});
