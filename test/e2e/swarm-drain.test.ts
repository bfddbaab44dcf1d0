/**
 * Draining a swarm node moves its dynos without a failed request: a web app with two dynos on the sandbox's worker
 * node, ~100 requests a second through the router, `platform nodes:drain <worker>`; every request answers, and the
 * dynos now run on the manager. Holds the sandbox's exclusive test lock (the drain ends other platforms' tasks on
 * the worker). Skips, saying why, where the sandbox cannot be created (fails under PLATFORM_TEST_SWARM=required).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform } from '../support/cli.ts';
import { eventually, getViaRouter } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';
import { startSteadyLoad } from '../support/steady-load.ts';
import { requireSwarm, swarmServerEnv } from '../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm({ lock: 'exclusive' });

interface NodeJson {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  dynos: number;
}

describe.skipIf('skip' in sandbox)(`draining a swarm node${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const app = 'swarm-drain';
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let managerId = '';
  const nodes = async () => {
    const r = await platform(['nodes', '--json'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as NodeJson[];
  };
  const setAvailability = (node: string, availability: 'active' | 'pause' | 'drain') =>
    sandbox.docker
      .getNode(node)
      .inspect()
      .then((info: { Version: { Index: number }; Spec: object }) =>
        sandbox.docker.getNode(node).update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Availability: availability } }),
      );

  beforeAll(async () => {
    managerId = ((await sandbox.docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    server = await startServer({
      env: {
        PLATFORM_RUNTIME: 'swarm',
        ...swarmServerEnv(sandbox),
      },
    });
    // The manager paused while the app starts: Swarm places both web dynos on the worker.
    await setAvailability(managerId, 'pause');
    try {
      ({ env, repo } = await deployFixture(server, 'web-app', app));
      const scaled = await platform(['ps:scale', 'web=2'], { cwd: repo, env });
      expect(scaled.code, scaled.stderr).toBe(0);
      await eventually(async () => /web\.2: up/.test((await platform(['ps'], { cwd: repo, env })).stdout), 120_000, 'web.2 up');
    } finally {
      await setAvailability(managerId, 'active');
    }
  });

  afterAll(async () => {
    // Both nodes take tasks again, whatever happened.
    for (const n of (await sandbox.docker.listNodes()) as Array<{ ID: string }>) await setAvailability(n.ID, 'active').catch(() => undefined);
    if (server) await platform(['apps:destroy', app, '--confirm', app], { env }).catch(() => undefined);
    await server?.destroy();
  });

  it('moves the dynos off the drained worker, each new one routed before the old one stops: no failed request', async () => {
    const before = await nodes();
    expect(before.find((n) => n.role === 'worker')?.dynos).toBe(2);
    expect((await getViaRouter(server.routerUrl, app)).status).toBe(200);
    const port = new URL(server.routerUrl).port;
    const load = startSteadyLoad({ routerUrl: server.routerUrl, host: `${app}.localhost:${port}`, rps: 100 });
    await eventually(async () => load.sent() >= 200, 30_000, '200 requests sent before the drain');
    const drained = await platform(['nodes:drain', sandbox.worker.hostname], { cwd: repo, env });
    const sentAtDrainEnd = load.sent();
    await eventually(async () => load.sent() >= sentAtDrainEnd + 200, 30_000, '200 requests sent after the drain');
    const result = await load.stop();
    expect(drained.code, drained.stderr).toBe(0);
    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.sent).toBeGreaterThan(400);

    const after = await nodes();
    expect(after.find((n) => n.role === 'worker')).toMatchObject({ availability: 'drain', dynos: 0 });
    expect(after.find((n) => n.id === managerId)).toMatchObject({ availability: 'active', dynos: 2 });
    const ps = await platform(['ps'], { cwd: repo, env });
    expect(ps.stdout).toMatch(/web\.1: up/);
    expect(ps.stdout).toMatch(/web\.2: up/);
  });

  it('activates the node again, and refuses an unknown node or availability', async () => {
    const activated = await platform(['nodes:activate', sandbox.worker.hostname], { cwd: repo, env });
    expect(activated.code, activated.stderr).toBe(0);
    expect((await nodes()).find((n) => n.role === 'worker')?.availability).toBe('active');
    const unknown = await platform(['nodes:drain', 'no-such-node'], { cwd: repo, env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Couldn't find node no-such-node/);
  });
});
