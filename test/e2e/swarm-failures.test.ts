/**
 * Failure drills on the sandbox swarm (issue 19): a lost node (the worker's dockerd stopped) → its dynos are
 * replaced on the manager; the registry down → a deploy fails clearly in the push and the running app keeps
 * answering, then deploys work again once it is back; the manager's engine restarted → platformd reconciles,
 * one running task per dyno, and the app answers again. Holds the sandbox's exclusive test lock (the drills stop
 * parts every swarm test uses). Skips, saying why, where the sandbox cannot be created (fails under
 * PLATFORM_TEST_SWARM=required).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform, run } from '../support/cli.ts';
import { commitFile, eventually, getViaRouter } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';
import { requireSwarm, swarmServerEnv } from '../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm({ lock: 'exclusive' });
const SANDBOX = path.resolve(import.meta.dirname, '../../scripts/sandbox-swarm.sh');
const sandboxScript = (command: string) => promisify(execFile)('bash', [SANDBOX, command], { timeout: 240_000 });

interface NodeJson {
  id: string;
  role: string;
  state: string;
  dynos: number;
}

describe.skipIf('skip' in sandbox)(`swarm failure drills${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const app = 'swarm-drills';
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let managerId = '';
  const setAvailability = (node: string, availability: 'active' | 'pause') =>
    sandbox.docker
      .getNode(node)
      .inspect()
      .then((info: { Version: { Index: number }; Spec: object }) =>
        sandbox.docker.getNode(node).update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Availability: availability } }),
      );
  const nodes = async () => JSON.parse((await platform(['nodes', '--json'], { cwd: repo, env })).stdout) as NodeJson[];
  const answers = async () => (await getViaRouter(server.routerUrl, app).catch(() => ({ status: 0 }))).status === 200;

  beforeAll(async () => {
    managerId = ((await sandbox.docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    server = await startServer({
      env: {
        PLATFORM_RUNTIME: 'swarm',
        ...swarmServerEnv(sandbox),
      },
    });
    // The manager paused while the app starts: Swarm places web.1 on the worker.
    await setAvailability(managerId, 'pause');
    try {
      ({ env, repo } = await deployFixture(server, 'web-app', app));
    } finally {
      await setAvailability(managerId, 'active');
    }
    await eventually(answers, 60_000, 'the app answering');
  });

  afterAll(async () => {
    await sandboxScript('worker-start').catch(() => undefined);
    await sandboxScript('registry-start').catch(() => undefined);
    if (server) await platform(['apps:destroy', app, '--confirm', app], { env }).catch(() => undefined);
    await server?.destroy();
  });

  it('replaces the dynos of a lost node on another node', async () => {
    expect((await nodes()).find((n) => n.role === 'worker')?.dynos).toBe(1);
    const t0 = Date.now();
    await sandboxScript('worker-stop');
    const stopped = Date.now();
    // Swarm marks the node down once it misses its heartbeats; the runtime reports the dyno lost and the process
    // manager starts it again, on the manager (the only node left).
    await eventually(
      async () => {
        const listed = await nodes();
        return (
          listed.find((n) => n.role === 'worker')?.state === 'down' &&
          listed.find((n) => n.id === managerId)?.dynos === 1 &&
          (await answers())
        );
      },
      120_000,
      'web.1 answering from the manager',
    );
    process.stderr.write(
      `[drill] node lost: the app answers from the manager ${Date.now() - t0} ms after the worker's dockerd began to stop, ${Date.now() - stopped} ms after it had stopped\n`,
    );
    expect(server.output.join('\n')).toMatch(/Dyno lost: its node platform-swarm-worker is down/);
    await sandboxScript('worker-start');
    expect((await nodes()).find((n) => n.role === 'worker')?.state).toBe('ready');
  });

  it('fails a deploy clearly while the registry is down, keeps the app answering, and deploys again once it is back', async () => {
    await sandboxScript('registry-stop');
    try {
      await commitFile(repo, env, 'CHANGES', 'one\n', 'a change while the registry is down');
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toMatch(/The image registry 127\.0\.0\.1:5000 did not take the release image.*the running release is unchanged/);
      expect(await answers()).toBe(true);
    } finally {
      await sandboxScript('registry-start');
    }
    await commitFile(repo, env, 'CHANGES', 'two\n', 'a change once the registry is back');
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    await eventually(answers, 60_000, 'the app answering on its new release');
  });

  it('reconciles after the swarm manager restarts: one running task per dyno, and the app answers again', async () => {
    const scaled = await platform(['ps:scale', 'web=2'], { cwd: repo, env });
    expect(scaled.code, scaled.stderr).toBe(0);
    await eventually(async () => /web\.2: up/.test((await platform(['ps'], { cwd: repo, env })).stdout), 120_000, 'web.2 up');
    const t0 = Date.now();
    await sandboxScript('manager-restart');
    const restarted = Date.now();
    const instance = (await readFile(path.join(server.dataDir, 'instance-id'), 'utf8')).trim();
    // Running tasks of this platform's services, by dyno name (Swarm's own view, not the platform's).
    const runningByName = async () => {
      const services = await sandbox.docker.listServices({ filters: { label: [`platform.managed=${instance}`] } });
      const tasks = (await sandbox.docker.listTasks({
        filters: { service: services.map((x) => x.ID), 'desired-state': ['running'] },
      })) as Array<{ ServiceID: string; Status?: { State?: string } }>;
      const names: string[] = [];
      for (const t of tasks.filter((x) => x.Status?.State === 'running')) {
        names.push(services.find((x) => x.ID === t.ServiceID)?.Spec?.Labels?.['platform.dyno'] ?? '?');
      }
      return names.sort();
    };
    await eventually(
      async () => {
        const ps = (await platform(['ps'], { cwd: repo, env })).stdout;
        return /web\.1: up/.test(ps) && /web\.2: up/.test(ps) && (await answers()) && (await runningByName()).length === 2;
      },
      180_000,
      'web.1 and web.2 up and the app answering after the manager restart',
    );
    process.stderr.write(
      `[drill] manager restart: the engine was back after ${restarted - t0} ms, web.1 and web.2 up and answering ${Date.now() - restarted} ms later\n`,
    );
    expect(await runningByName()).toEqual(['web.1', 'web.2']);
  });
});
