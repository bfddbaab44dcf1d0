import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, PlatformError, type DynoAddress, type DynoExit, type DynoOutput, type DynoSpec } from '@platform/types';
import { createMemoryRuntime, type MemoryRuntime, type MemoryRuntimeOptions } from '../src/index.ts';

const spec = (over: Partial<DynoSpec> = {}): DynoSpec => ({
  app: 'mem-app',
  appId: 'app-1',
  releaseId: 'rel-1',
  releaseVersion: 1,
  type: 'web',
  name: 'web.1',
  command: 'node server.js',
  env: { DATABASE_URL: 'postgres://db', PORT: '1' },
  artifact: { slugPath: '/nonexistent.tgz', slugChecksum: 'x' },
  ...over,
});

function canConnect(address: DynoAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

let runtime: MemoryRuntime;
let exits: DynoExit[];
let outputs: DynoOutput[];
function create(options: MemoryRuntimeOptions = {}): MemoryRuntime {
  runtime = createMemoryRuntime(options);
  exits = [];
  outputs = [];
  runtime.onExit((e) => exits.push(e));
  runtime.onOutput((o) => outputs.push(o));
  return runtime;
}

afterEach(() => runtime?.close());

describe('memory runtime: boot', () => {
  it('binds a web dyno port at start by default, answering HTTP; other types get no port', async () => {
    create();
    const web = await runtime.start(spec());
    expect(web).toMatchObject({ id: 'mem-1', running: true, address: { host: '127.0.0.1' } });
    expect(await canConnect(web.address)).toBe(true);
    const res = await fetch(`http://127.0.0.1:${web.address.port}/health`);
    expect([res.status, await res.text()]).toEqual([200, 'web.1']);
    const worker = await runtime.start(spec({ type: 'worker', name: 'worker.1' }));
    expect(worker.address.port).toBe(0);
  });

  it('never binds, binds on demand or after a delay, as the behaviour says; answers the configured status', async () => {
    create({ behaviour: (s) => (s.name === 'web.1' ? { bind: 'never' } : s.name === 'web.2' ? { bind: 'manual', httpStatus: 503 } : { bind: 20 }) });
    const never = await runtime.start(spec());
    const manual = await runtime.start(spec({ name: 'web.2' }));
    const delayed = await runtime.start(spec({ name: 'web.3' }));
    expect(never.address.port).toBeGreaterThan(0);
    expect(await canConnect(never.address)).toBe(false);
    expect(await canConnect(manual.address)).toBe(false);
    await runtime.bind(manual.id);
    expect((await fetch(`http://127.0.0.1:${manual.address.port}/`)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 60));
    expect(await canConnect(delayed.address)).toBe(true);
    await runtime.stop(manual.id, { graceMs: 0 });
    expect(await canConnect(manual.address)).toBe(false); // the port closes with the dyno
  });

  it('reports made-up ports and opens no socket with sockets: false', async () => {
    create({ sockets: false });
    const a = await runtime.start(spec());
    const b = await runtime.start(spec({ name: 'web.2' }));
    expect([a.address.port, b.address.port]).toEqual([30_000, 30_001]);
    expect(await canConnect(a.address)).toBe(false);
  });

  it('gives the environment a real driver would, and refuses what a real driver refuses', async () => {
    create({ requireImage: true });
    await expect(runtime.start(spec())).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE' });
    const artifact = { slugPath: '/x', slugChecksum: 'x', image: 'platform/mem-app:b1' };
    await expect(runtime.start(spec({ artifact, env: { 'BAD-KEY': '1' } }))).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    const dyno = await runtime.start(spec({ artifact }));
    expect(runtime.inspect(dyno.id)!.env).toEqual({ DATABASE_URL: 'postgres://db', HOME: '/app', DYNO: 'web.1', PORT: String(dyno.address.port) });
    expect(runtime.started.map((s) => s.name)).toEqual(['web.1']);
  });

  it('fails a start with the behaviour’s error and keeps no dyno', async () => {
    const error = new PlatformError(ErrorCodes.runtimeUnavailable, 'Image platform/mem-app:b1 is missing on this Docker host (rebuild the app).');
    create({ behaviour: { startError: error } });
    await expect(runtime.start(spec())).rejects.toBe(error);
    expect(await runtime.list()).toEqual([]);
    runtime.setBehaviour(undefined);
    await expect(runtime.start(spec())).resolves.toMatchObject({ running: true });
  });
});

describe('memory runtime: output and exits', () => {
  it('emits lines and reports a crash once; the dyno stays listed, not running, until stopped', async () => {
    create();
    const dyno = await runtime.start(spec({ type: 'worker', name: 'worker.1' }));
    runtime.emit(dyno.id, 'hello');
    runtime.emit(dyno.id, 'oops', 'stderr');
    runtime.write(dyno.id, 'partial');
    await runtime.crash(dyno.id, 137);
    await runtime.crash(dyno.id, 1); // already exited: nothing more
    runtime.emit(dyno.id, 'after exit'); // ignored
    expect(outputs.map((o) => [o.stream, o.line])).toEqual([
      ['stdout', 'hello'],
      ['stderr', 'oops'],
      ['stdout', 'partial'],
    ]);
    expect(exits).toEqual([{ id: dyno.id, app: 'mem-app', name: 'worker.1', code: 137, signal: null, requested: false }]);
    expect((await runtime.list())[0]).toMatchObject({ id: dyno.id, running: false });
    await runtime.stop(dyno.id);
    expect(exits).toHaveLength(1);
    expect(await runtime.list()).toEqual([]);
    expect(() => runtime.emit(dyno.id, 'gone')).toThrow(expect.objectContaining({ code: 'PLT_DYNO_NOT_FOUND' }));
  });

  it('plays start output and a timed exit from the behaviour, and an OOM kill through exit()', async () => {
    create({ behaviour: (s) => (s.type === 'release' ? { output: ['migrating', 'done'], exitAfterMs: 10, exitCode: 0 } : {}) });
    const release = await runtime.start(spec({ type: 'release', name: 'release.1' }));
    await new Promise((r) => setTimeout(r, 40));
    expect(outputs.filter((o) => o.id === release.id).map((o) => o.line)).toEqual(['migrating', 'done']);
    expect(exits[0]).toMatchObject({ id: release.id, code: 0, requested: false });
    const web = await runtime.start(spec());
    await runtime.exit(web.id, { code: null, signal: 'SIGKILL', outOfMemory: { limitMb: 512 } });
    expect(exits[1]).toMatchObject({ id: web.id, signal: 'SIGKILL', outOfMemory: { limitMb: 512 } });
  });
});

describe('memory runtime: stop', () => {
  it('ends a dyno with the stop signal by default, or exits 0, or is SIGKILLed after the grace period', async () => {
    create({ behaviour: (s) => ({ onStop: s.name === 'web.2' ? 'exit-0' : s.name === 'web.3' ? 'ignore' : 'signal' }) });
    const [a, b, c] = await Promise.all(['web.1', 'web.2', 'web.3'].map((name) => runtime.start(spec({ name }))));
    await runtime.stop(a!.id, { signal: 'SIGHUP' });
    await runtime.stop(b!.id);
    const before = Date.now();
    await Promise.all([runtime.stop(c!.id, { graceMs: 50 }), runtime.stop(c!.id, { graceMs: 50 })]);
    expect(Date.now() - before).toBeGreaterThanOrEqual(45);
    expect(exits.map((e) => [e.name, e.code, e.signal, e.requested])).toEqual([
      ['web.1', null, 'SIGHUP', true],
      ['web.2', 0, null, true],
      ['web.3', null, 'SIGKILL', true],
    ]);
    expect(await runtime.list()).toEqual([]);
  });

  it('close() stops every dyno and refuses new ones', async () => {
    create();
    await runtime.start(spec());
    await runtime.start(spec({ type: 'worker', name: 'worker.1' }));
    await runtime.close();
    expect(exits.map((e) => e.requested)).toEqual([true, true]);
    await expect(runtime.start(spec())).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE', message: 'The memory runtime is closed.' });
  });
});

describe('memory runtime: attached dynos', () => {
  it('hands output to the caller, keeps stdin for the test, and reports the exit after the output ended', async () => {
    create();
    const a = await runtime.startAttached(spec({ type: 'run', name: 'run.1' }), { tty: false });
    let stdout = '';
    let stderr = '';
    a.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    a.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise((resolve) => a.stdout.once('end', resolve));
    a.stdin.end('input\n');
    await new Promise((r) => setImmediate(r));
    expect(runtime.inspect(a.dyno.id)).toMatchObject({ spec: { name: 'run.1' } });
    expect(runtime.inspect(a.dyno.id)!.stdinText()).toBe('input\n');
    expect(runtime.inspect(a.dyno.id)!.stdinEnded()).toBe(true);
    runtime.emit(a.dyno.id, 'out');
    runtime.emit(a.dyno.id, 'err', 'stderr');
    await runtime.crash(a.dyno.id, 0);
    await ended;
    expect([stdout, stderr]).toEqual(['out\n', 'err\n']);
    expect(outputs).toEqual([]);
    expect(exits).toMatchObject([{ id: a.dyno.id, code: 0 }]);
    const tty = await runtime.startAttached(spec({ type: 'run', name: 'run.2' }), { tty: true });
    expect(tty.stderr).toBeNull();
  });
});
