import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynoExit, DynoOutput, DynoSpec } from '@platform/types';
import {
  IMAGE_LAUNCH_SCRIPT,
  copyDyno,
  createDynoOutputLines,
  createListenerSet,
  createRuntimeEvents,
  dynoFromSpec,
  launchArgv,
  runtimeClosedError,
  signalName,
  validateDynoSpec,
} from '../src/index.ts';

const run = promisify(execFile);

const spec: DynoSpec = {
  app: 'kit-app',
  appId: 'app-id',
  releaseId: 'rel-id',
  releaseVersion: 3,
  type: 'web',
  name: 'web.1',
  command: 'node server.js',
  env: {},
  artifact: { slugPath: '/tmp/slug.tgz', slugChecksum: 'x' },
};

describe('validateDynoSpec', () => {
  it('accepts a valid spec, with or without a size', () => {
    expect(() => validateDynoSpec(spec)).not.toThrow();
    expect(() => validateDynoSpec({ ...spec, size: { memoryMb: 512, pids: 256 } })).not.toThrow();
  });

  it.each([
    ['app', { app: 'Bad_App' }],
    ['type', { type: 'we b' }],
    ['name', { name: 'web.1; rm' }],
    ['command', { command: '' }],
    ['command', { command: 'a\0b' }],
    ['size', { size: { memoryMb: 5, pids: 10 } }],
    ['size', { size: { memoryMb: 512, pids: 0 } }],
  ] as Array<[string, Partial<DynoSpec>]>)('refuses a bad %s with PLT_INVALID_PARAMS', (field, change) => {
    expect(() => validateDynoSpec({ ...spec, ...change })).toThrow(
      expect.objectContaining({ code: 'PLT_INVALID_PARAMS', details: { field } }),
    );
  });

  it('refuses a spec without an image only where the driver needs one', () => {
    expect(() => validateDynoSpec(spec, { image: true })).toThrow(
      expect.objectContaining({ code: 'PLT_RUNTIME_UNAVAILABLE', message: expect.stringContaining('the docker runtime needs one') }),
    );
    expect(() => validateDynoSpec(spec, { image: true, runtime: 'swarm' })).toThrow(/the swarm runtime needs one/);
    expect(() => validateDynoSpec({ ...spec, artifact: { ...spec.artifact, image: 'platform/kit-app:b1' } }, { image: true })).not.toThrow();
  });
  it("takes an empty command only as a Dockerfile image's own CMD, and keeps such an image from a driver that runs slugs", () => {
    const image = { ...spec, command: '', artifact: { image: 'platform/kit-app:b2', kind: 'dockerfile' as const } };
    expect(() => validateDynoSpec(image, { image: true })).not.toThrow();
    expect(() => validateDynoSpec({ ...image, command: 'node web.js' }, { image: true })).not.toThrow();
    expect(() => validateDynoSpec(image, { slug: true })).toThrow(
      expect.objectContaining({ code: 'PLT_INVALID_PARAMS', details: expect.objectContaining({ field: 'artifact' }), message: expect.stringContaining('only the docker runtime runs it') }),
    );
    expect(() => validateDynoSpec({ ...spec, command: '' }, { image: true })).toThrow(expect.objectContaining({ details: { field: 'command' } }));
    expect(() => validateDynoSpec(spec, { slug: true })).not.toThrow();
  });
});

describe('listener sets', () => {
  it('call every listener in order, survive a throwing one, and unsubscribe', () => {
    const errors: unknown[] = [];
    const set = createListenerSet<number>((err) => errors.push(err));
    const seen: string[] = [];
    const offA = set.add((n) => seen.push(`a${n}`));
    set.add(() => {
      throw new Error('boom');
    });
    set.add((n) => seen.push(`c${n}`));
    set.emit(1);
    offA();
    offA();
    set.emit(2);
    expect(seen).toEqual(['a1', 'c1', 'c2']);
    expect(errors).toHaveLength(2);
    expect(set.size).toBe(2);
  });

  it('give a runtime its onExit/onOutput pair, logging a listener that throws', () => {
    const logged: string[] = [];
    const logger = { info() {}, warn() {}, debug() {}, error: (_o: object, msg?: string) => void logged.push(msg ?? '') };
    const events = createRuntimeEvents(logger);
    const exits: DynoExit[] = [];
    const off = events.onExit((e) => exits.push(e));
    events.onOutput(() => {
      throw new Error('bad listener');
    });
    const exit: DynoExit = { id: 'd', app: 'a', name: 'web.1', code: 0, signal: null, requested: true };
    events.exit(exit);
    off();
    events.exit(exit);
    events.output({ id: 'd', app: 'a', name: 'web.1', stream: 'stdout', line: 'x', at: 1 });
    expect(exits).toEqual([exit]);
    expect(logged).toEqual(['runtime output listener failed']);
  });
});

describe('createDynoOutputLines', () => {
  it('stamps each line of either stream with the dyno and the time, and flushes partial lines', () => {
    const out: DynoOutput[] = [];
    const lines = createDynoOutputLines({ id: 'd1', app: 'a', name: 'worker.2' }, (o) => out.push(o));
    lines.stdout.push(Buffer.from('one\ntw'));
    lines.stderr.push(Buffer.from('err'));
    lines.stdout.push(Buffer.from('o\n'));
    lines.flush();
    expect(out.map((o) => [o.stream, o.line])).toEqual([
      ['stdout', 'one'],
      ['stdout', 'two'],
      ['stderr', 'err'],
    ]);
    for (const o of out) expect(o).toMatchObject({ id: 'd1', app: 'a', name: 'worker.2', at: expect.any(Number) });
  });
});

describe('dyno records', () => {
  it('builds a running Dyno from a spec, and copies it without sharing the address', () => {
    const dyno = dynoFromSpec('id-1', spec, { host: '10.0.0.2', port: 5000 }, new Date(0));
    expect(dyno).toEqual({
      id: 'id-1',
      app: 'kit-app',
      appId: 'app-id',
      releaseId: 'rel-id',
      releaseVersion: 3,
      type: 'web',
      name: 'web.1',
      command: 'node server.js',
      address: { host: '10.0.0.2', port: 5000 },
      startedAt: new Date(0),
      running: true,
    });
    const copy = copyDyno(dyno);
    copy.address.port = 1;
    expect(dyno.address.port).toBe(5000);
  });

  it('names signals and a closed runtime', () => {
    expect(signalName(15)).toBe('SIGTERM');
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(999)).toBeUndefined();
    expect(runtimeClosedError('memory')).toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE', message: 'The memory runtime is closed.' });
  });
});

describe('launchArgv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runtime-kit-launch-'));
    await mkdir(join(dir, '.profile.d'));
    await writeFile(join(dir, '.profile.d', 'a.sh'), 'export FROM_PROFILE_D=yes\n');
    await writeFile(join(dir, '.profile'), 'export FROM_PROFILE="after $FROM_PROFILE_D"\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('sources .profile.d and .profile, then runs the command as $1, never as script text', async () => {
    const [file, ...args] = launchArgv('echo "$FROM_PROFILE" "$0"; echo \'$(id)\'');
    expect(file).toBe('bash');
    const { stdout } = await run(file, args, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    expect(stdout).toBe('after yes bash\n$(id)\n');
  });

  it('runs a command that starts with a dash as a command', async () => {
    const [file, ...args] = launchArgv('-x 2>/dev/null || echo not an option');
    const { stdout } = await run(file, args, { cwd: dir });
    expect(stdout).toBe('not an option\n');
  });

  it('has an image variant that starts from /app', () => {
    expect(IMAGE_LAUNCH_SCRIPT.split('\n')[0]).toBe('cd /app || exit 1');
    expect(launchArgv('x', IMAGE_LAUNCH_SCRIPT)).toEqual(['bash', '-c', IMAGE_LAUNCH_SCRIPT, 'dyno', 'x']);
  });
});
