import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, DynoExit, DynoOutput, DynoSpec, Runtime } from '@platform/types';
import { createDockerRuntime } from '../src/index.ts';
import { createDockerFixtures, requireDocker } from './docker-harness.ts';

const run = promisify(execFile);

/** Prints what the dyno can see of its own privileges, then waits for SIGTERM (printing it). */
const PROBE = `
const fs = require('fs');
const status = fs.readFileSync('/proc/self/status', 'utf8');
const field = (k) => (status.match(new RegExp('^' + k + ':\\\\s*(.*)$', 'm')) || [])[1];
console.log(JSON.stringify({
  uid: process.getuid(), gid: process.getgid(),
  noNewPrivs: field('NoNewPrivs'), capEff: field('CapEff'),
  dockerSock: fs.existsSync('/var/run/docker.sock') || fs.existsSync('/run/docker.sock'),
  owner: fs.statSync('/app/probe.js').uid,
}));
process.on('SIGTERM', () => { console.log('got SIGTERM'); setTimeout(() => process.exit(0), 20); });
setInterval(() => {}, 1000);
`;

describe('runtime-docker', () => {
  let docker: Docker;
  let fixtures: Awaited<ReturnType<typeof createDockerFixtures>>;
  let runtime: Runtime;
  let artifact: Artifact;
  const started: string[] = [];

  beforeAll(async () => {
    docker = await requireDocker();
    fixtures = await createDockerFixtures(docker);
    runtime = createDockerRuntime({ docker, network: fixtures.network });
    artifact = await fixtures.makeArtifact({ 'probe.js': PROBE }, 'docker-test');
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((id) => runtime.stop(id, { graceMs: 200 })));
  });
  afterAll(async () => {
    await runtime?.close();
    await fixtures?.cleanup();
  });

  function spec(overrides: Partial<DynoSpec> = {}): DynoSpec {
    return {
      app: 'docker-test',
      appId: randomUUID(),
      releaseId: randomUUID(),
      releaseVersion: 4,
      type: 'worker',
      name: 'worker.1',
      command: 'node probe.js',
      env: {},
      artifact,
      ...overrides,
    };
  }

  /** Resolves with the first event `pick` accepts; fails (naming what it waited for) after 20 s. */
  function next<T, E>(subscribe: (listener: (event: E) => void) => () => void, pick: (event: E) => T | undefined, what: string) {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for ${what}`))), 20_000);
      const off = subscribe((event) => {
        const value = pick(event);
        if (value === undefined) return;
        clearTimeout(timer);
        off();
        resolve(value);
      });
    });
  }
  const nextLine = (rt: Runtime, id: string, match: (line: string) => boolean) =>
    next<DynoOutput, DynoOutput>(rt.onOutput, (o) => (o.id === id && match(o.line) ? o : undefined), `a line of ${id}`);
  const nextExit = (rt: Runtime, id: string) =>
    next<DynoExit, DynoExit>(rt.onExit, (e) => (e.id === id ? e : undefined), `the exit of ${id}`);

  it('never puts a config value into the image (inspect and full history)', async () => {
    const secret = `s3cret-${randomUUID()}`;
    const dyno = await runtime.start(spec({ env: { DATABASE_URL: `postgres://u:${secret}@db/x` } }));
    started.push(dyno.id);
    const { stdout: inspect } = await run('docker', ['image', 'inspect', artifact.image!]);
    const { stdout: history } = await run('docker', ['history', '--no-trunc', artifact.image!]);
    expect(inspect).not.toContain(secret);
    expect(history).not.toContain(secret);
    expect(inspect).not.toContain('DATABASE_URL');
  });

  it('runs the dyno as the non-root dyno user, with no new privileges, no capabilities and no docker socket', async () => {
    const dyno = await runtime.start(spec({ size: { memoryMb: 256, pids: 64 } }));
    started.push(dyno.id);
    const line = await nextLine(runtime, dyno.id, (l) => l.startsWith('{'));
    expect(JSON.parse(line.line)).toEqual({
      uid: 1000,
      gid: 1000,
      noNewPrivs: '1',
      capEff: '0000000000000000',
      dockerSock: false,
      owner: 1000,
    });
    const info = await docker.getContainer(dyno.id).inspect();
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info.Mounts).toEqual([]);
    expect(info.HostConfig.Privileged).toBe(false);
    // The command is an argument of bash, never part of the script text.
    expect(info.Args.at(-1)).toBe('node probe.js');
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([fixtures.network]);
    expect(dyno.address).toEqual({ host: info.NetworkSettings.Networks[fixtures.network]!.IPAddress, port: 5000 });
  });

  it('is adopted by a second runtime over the same engine: same id, output and exit watched', async () => {
    const first = createDockerRuntime({ docker, network: fixtures.network });
    const dyno = await first.start(spec({ name: 'worker.2' }));
    started.push(dyno.id);
    await nextLine(first, dyno.id, (l) => l.startsWith('{'));
    await first.close(); // leaves the container running

    const second = createDockerRuntime({ docker, network: fixtures.network });
    try {
      const listed = await second.list({ app: 'docker-test' });
      const adopted = listed.find((d) => d.id === dyno.id);
      expect(adopted).toMatchObject({
        id: dyno.id,
        name: 'worker.2',
        type: 'worker',
        releaseId: dyno.releaseId,
        releaseVersion: 4,
        command: 'node probe.js',
        running: true,
        address: dyno.address,
      });
      const sigterm = nextLine(second, dyno.id, (l) => l === 'got SIGTERM');
      const exit = nextExit(second, dyno.id);
      await second.stop(dyno.id, { graceMs: 10_000 });
      await sigterm;
      expect(await exit).toMatchObject({ id: dyno.id, code: 0, requested: true });
      expect((await second.list()).map((d) => d.id)).not.toContain(dyno.id);
    } finally {
      await second.close();
    }
  });

  it('refuses a spec without an image, and a missing image, with PLT_RUNTIME_UNAVAILABLE', async () => {
    const { image: _image, ...noImage } = artifact;
    await expect(runtime.start(spec({ artifact: noImage }))).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE' });
    const missing = { ...artifact, image: `platform/docker-test:missing-${randomUUID()}` };
    await expect(runtime.start(spec({ artifact: missing }))).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE' });
  });
});
