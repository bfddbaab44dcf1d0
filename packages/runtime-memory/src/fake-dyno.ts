import { PassThrough, Writable } from 'node:stream';
import type { AttachedDyno, Dyno, DynoExit, DynoSpec } from '@platform/types';
import { createDynoOutputLines, type DynoOutputLines, type RuntimeEvents } from '@platform/runtime-kit';
import type { DynoBehaviour } from './behaviour.ts';
import type { PortListener } from './port-listener.ts';

/** How a fake dyno ended: a code, or the signal that killed it; `outOfMemory` as the docker driver reports it. */
export type FakeExit = Pick<DynoExit, 'code' | 'signal' | 'outOfMemory'>;

/** One fake dyno: its record, the spec and environment it was started with, and what the test can do to it. */
export interface FakeDyno {
  dyno: Dyno;
  spec: DynoSpec;
  /** The whole environment a real driver would have given it (config + PORT, DYNO, HOME). */
  env: Readonly<Record<string, string>>;
  behaviour: DynoBehaviour;
  /** For an attached dyno: everything the caller wrote to its stdin so far, as UTF-8. */
  stdinText(): string;
  /** The caller ended its stdin (EOF). */
  stdinEnded(): boolean;
  requested: boolean;
  /** Resolves once the exit was reported. */
  reported: Promise<void>;
  stopping: Promise<void> | null;
  /** Writes to stdout/stderr: lines to `onOutput`, or the attached caller's streams. Ignored once exited. */
  write(stream: 'stdout' | 'stderr', chunk: string | Buffer): void;
  /** Ends the dyno (first call wins): output flushed, port closed, then one exit report (in a microtask). */
  exit(how: FakeExit): Promise<void>;
  /** Binds the web dyno's port now. */
  bind(): Promise<void>;
  /** The caller's stdio, for an attached dyno. */
  attached: Omit<AttachedDyno, 'dyno'> | null;
  /** Timers started for the behaviour; cleared at exit. */
  timers: Set<NodeJS.Timeout>;
}

export interface FakeDynoInit {
  dyno: Dyno;
  spec: DynoSpec;
  env: Record<string, string>;
  behaviour: DynoBehaviour;
  listener: PortListener | null;
  events: RuntimeEvents;
  /** null: a logged dyno; otherwise the caller gets its stdio (a TTY merges stderr into stdout). */
  attach: { tty: boolean } | null;
}

/** Creates the state of one fake dyno. The runtime schedules its behaviour (bind, output, timed exit). */
export function createFakeDyno(init: FakeDynoInit): FakeDyno {
  const { dyno, listener, events, attach } = init;
  const base = { id: dyno.id, app: dyno.app, name: dyno.name };
  const lines: DynoOutputLines | null = attach ? null : createDynoOutputLines(dyno, events.output);
  const stdin: Buffer[] = [];
  let stdinEnded = false;
  const out = attach ? { stdout: new PassThrough(), stderr: attach.tty ? null : new PassThrough() } : null;
  const io = out ? { ...out, stdin: stdinSink(stdin, () => (stdinEnded = true)), resize: async () => undefined } : null;
  let exited = false;
  let reportDone!: () => void;
  const fake: FakeDyno = {
    dyno,
    spec: init.spec,
    env: init.env,
    behaviour: init.behaviour,
    stdinText: () => Buffer.concat(stdin).toString('utf8'),
    stdinEnded: () => stdinEnded,
    requested: false,
    reported: new Promise<void>((resolve) => (reportDone = resolve)),
    stopping: null,
    attached: io,
    timers: new Set(),
    write(stream, chunk) {
      if (exited) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (lines) lines[stream].push(bytes);
      else (stream === 'stderr' && out!.stderr ? out!.stderr : out!.stdout).write(bytes);
    },
    async exit(how) {
      if (exited) return fake.reported;
      exited = true;
      dyno.running = false;
      for (const timer of fake.timers) clearTimeout(timer);
      fake.timers.clear();
      lines?.flush();
      out?.stdout.end();
      out?.stderr?.end();
      await listener?.close();
      // Reported after the caller's current step, as a real driver reports asynchronously.
      queueMicrotask(() => {
        events.exit({ ...base, code: how.code, signal: how.signal, requested: fake.requested, ...(how.outOfMemory ? { outOfMemory: how.outOfMemory } : {}) });
        reportDone();
      });
      return fake.reported;
    },
    bind: () => listener?.bind() ?? Promise.resolve(),
  };
  return fake;
}

/** An attached dyno's stdin: what the caller writes is kept for the test (`stdinText()`); `end()` is EOF. */
function stdinSink(stdin: Buffer[], onEnd: () => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      stdin.push(Buffer.from(chunk));
      done();
    },
    final(done) {
      onEnd();
      done();
    },
  });
}
