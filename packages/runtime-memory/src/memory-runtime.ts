import { ErrorCodes, PlatformError, type AttachedDyno, type DynoSpec, type Runtime, type StopOptions } from '@platform/types';
import {
  DEFAULT_STOP_GRACE_MS,
  appEnvironment,
  dynoEnvironment,
  copyDyno,
  createRuntimeEvents,
  dynoFromSpec,
  runtimeClosedError,
  validateDynoSpec,
  type RuntimeLogger,
} from '@platform/runtime-kit';
import { behaviourFor, type BehaviourRule } from './behaviour.ts';
import { createFakeDyno, type FakeDyno, type FakeExit } from './fake-dyno.ts';
import { reservePort, type PortListener } from './port-listener.ts';

export interface MemoryRuntimeOptions {
  /** How dynos behave (boot, health answers, timed exits, the stop signal); per spec when a function. Default: well-behaved. */
  behaviour?: BehaviourRule | undefined;
  /**
   * Web dynos bind a real TCP port on `host` (so a TCP boot probe and HTTP health checks work). false: no socket
   * at all, web dynos report made-up ports from 30000 up (for code that never connects). Default true.
   */
  sockets?: boolean | undefined;
  /** Address web dynos bind and report. Default 127.0.0.1. */
  host?: string | undefined;
  /** Refuse specs without `artifact.image`, as the docker driver does. Default false. */
  requireImage?: boolean | undefined;
  logger?: RuntimeLogger | undefined;
}

/** The test's side of the memory runtime: what a real dyno would have done by itself. */
export interface MemoryRuntimeControl {
  /** The dyno writes a line (a `\n` is added) to stdout or stderr. PLT_DYNO_NOT_FOUND for an unknown id. */
  emit(id: string, line: string, stream?: 'stdout' | 'stderr'): void;
  /** The dyno writes raw text or bytes (partial lines allowed). */
  write(id: string, chunk: string | Buffer, stream?: 'stdout' | 'stderr'): void;
  /** The dyno exits on its own (`requested: false`) with `code` (default 1). Resolves once the exit was reported. */
  crash(id: string, code?: number): Promise<void>;
  /** The dyno ends the given way (a signal, the OOM killer: `{ code: null, signal: 'SIGKILL', outOfMemory: { limitMb } }`). */
  exit(id: string, how: FakeExit): Promise<void>;
  /** A web dyno whose behaviour has `bind: 'manual'` (or a delay) binds its port now. */
  bind(id: string): Promise<void>;
  /** Changes the behaviour of dynos started from now on. */
  setBehaviour(rule: BehaviourRule | undefined): void;
  /** Everything known of a dyno the runtime still tracks (its spec, environment, behaviour, stdin), or undefined. */
  inspect(id: string): Readonly<FakeDyno> | undefined;
  /** Every spec `start`/`startAttached` accepted, in order (stopped dynos included). */
  readonly started: readonly DynoSpec[];
  /** What `memoryUsage(id)` answers from now on for a dyno (bytes); null: unknown. */
  setMemory(id: string, usage: { usedBytes: number; limitBytes: number } | null): void;
}

/** A `Runtime` of fake dynos (attached ones included) plus its control API. */
export type MemoryRuntime = Runtime & Required<Pick<Runtime, 'startAttached'>> & MemoryRuntimeControl;

/**
 * An in-memory `Runtime` for tests of what sits above a runtime (the process manager): dynos are records, their
 * output and exits are driven by the test, and web dynos bind a real port on 127.0.0.1 so boot probes and health
 * checks behave as with a real driver. It passes the runtime contract suite minus the cases that need the
 * artifact's code to run. Spec and config are checked as real drivers check them (PLT_INVALID_PARAMS).
 *
 *   const runtime = createMemoryRuntime({ behaviour: (spec) => (spec.type === 'web' ? { bind: 'never' } : {}) });
 *   const dyno = await runtime.start(spec);
 *   runtime.emit(dyno.id, 'hello');      // → onOutput
 *   await runtime.crash(dyno.id, 137);   // → onExit { code: 137, requested: false }
 */
export function createMemoryRuntime(options: MemoryRuntimeOptions = {}): MemoryRuntime {
  const host = options.host ?? '127.0.0.1';
  const sockets = options.sockets !== false;
  const events = createRuntimeEvents(options.logger);
  const dynos = new Map<string, FakeDyno>();
  const memory = new Map<string, { usedBytes: number; limitBytes: number }>();
  const started: DynoSpec[] = [];
  let rule = options.behaviour;
  let closed = false;
  let nextId = 1;
  let nextFakePort = 30_000;

  function find(id: string): FakeDyno {
    const fake = dynos.get(id);
    if (!fake) throw new PlatformError(ErrorCodes.dynoNotFound, `No dyno ${id} in the memory runtime.`, { details: { id } });
    return fake;
  }

  async function launch(spec: DynoSpec, attach: { tty: boolean } | null): Promise<FakeDyno> {
    if (closed) throw runtimeClosedError('memory');
    validateDynoSpec(spec, { image: options.requireImage === true, runtime: 'memory' });
    const config = appEnvironment(spec.env); // checked before anything is reserved
    const behaviour = behaviourFor(rule, spec);
    if (behaviour.startError) throw behaviour.startError;
    const web = spec.type === 'web';
    const listener: PortListener | null =
      web && sockets ? await reservePort(host, spec.name, () => behaviour.httpStatus ?? 200) : null;
    if (closed) throw runtimeClosedError('memory'); // close() ran while the port was being reserved
    const port = web ? (listener?.port ?? nextFakePort++) : 0;
    const id = `mem-${nextId++}`;
    const env = dynoEnvironment(config, { dyno: spec.name, port: web ? port : null, home: '/app' });
    const fake = createFakeDyno({ dyno: dynoFromSpec(id, spec, { host, port }), spec, env, behaviour, listener, events, attach });
    dynos.set(id, fake);
    started.push(spec);
    const bind = behaviour.bind ?? 'start';
    if (web && bind === 'start') {
      await fake.bind().catch(async (err: unknown) => {
        dynos.delete(id);
        await listener?.close();
        throw new PlatformError(ErrorCodes.runtimeUnavailable, `Could not start dyno ${spec.name}.`, { cause: err });
      });
    }
    if (web && typeof bind === 'number') later(fake, bind, () => void fake.bind().catch(() => undefined));
    if (behaviour.exitAfterMs !== undefined) later(fake, behaviour.exitAfterMs, () => void fake.exit({ code: behaviour.exitCode ?? 1, signal: null }));
    if (behaviour.output?.length) queueMicrotask(() => behaviour.output!.forEach((line) => fake.write('stdout', `${line}\n`)));
    options.logger?.info({ dyno: id, app: spec.app, name: spec.name }, 'dyno started');
    return fake;
  }

  function later(fake: FakeDyno, ms: number, run: () => void): void {
    const timer = setTimeout(() => (fake.timers.delete(timer), run()), ms);
    fake.timers.add(timer);
  }

  async function stopFake(fake: FakeDyno, stopOptions: StopOptions): Promise<void> {
    if (fake.dyno.running) {
      fake.requested = true;
      const signal = stopOptions.signal ?? 'SIGTERM';
      const onStop = fake.behaviour.onStop ?? 'signal';
      if (onStop === 'exit-0') await fake.exit({ code: 0, signal: null });
      else if (onStop === 'signal') await fake.exit({ code: null, signal });
      else later(fake, stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS, () => void fake.exit({ code: null, signal: 'SIGKILL' }));
    }
    await fake.reported;
    dynos.delete(fake.dyno.id);
  }

  return {
    kind: 'memory',
    async start(spec) {
      return copyDyno((await launch(spec, null)).dyno);
    },
    async startAttached(spec, attach): Promise<AttachedDyno> {
      const fake = await launch(spec, { tty: attach.tty });
      return { dyno: copyDyno(fake.dyno), ...fake.attached! };
    },
    stop(id, stopOptions = {}) {
      const fake = dynos.get(id);
      if (!fake) return Promise.resolve();
      fake.stopping ??= stopFake(fake, stopOptions);
      return fake.stopping;
    },
    async list(filter = {}) {
      return [...dynos.values()].filter(({ dyno }) => filter.app === undefined || dyno.app === filter.app).map(({ dyno }) => copyDyno(dyno));
    },
    onExit: events.onExit,
    onOutput: events.onOutput,
    async close() {
      closed = true;
      await Promise.all([...dynos.values()].map((fake) => (fake.stopping ??= stopFake(fake, { graceMs: 0 }))));
    },
    emit: (id, line, stream = 'stdout') => find(id).write(stream, `${line}\n`),
    write: (id, chunk, stream = 'stdout') => find(id).write(stream, chunk),
    crash: (id, code = 1) => find(id).exit({ code, signal: null }),
    exit: (id, how) => find(id).exit(how),
    bind: (id) => find(id).bind(),
    setBehaviour(next) {
      rule = next;
    },
    inspect: (id) => dynos.get(id),
    setMemory(id, usage) {
      if (usage === null) memory.delete(id);
      else memory.set(id, { ...usage });
    },
    memoryUsage: async (id) => (dynos.get(id)?.dyno.running ? (memory.get(id) ?? null) : null),
    started,
  };
}
