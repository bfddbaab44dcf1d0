import type { ChildProcess } from 'node:child_process';
import { PassThrough, Writable, type Readable } from 'node:stream';
import * as pty from 'node-pty';
import { signalName as knownSignalName } from '@platform/runtime-kit';

/** A started dyno process as the runtime tracks it, whether a plain child or a pseudo-terminal. */
export interface Launched {
  /** Leader of the dyno's own session and process group (pgid = pid). */
  pid: number;
  /** The main process exited (its output may still be draining). */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  /** The main process exited and its output has been read to the end. */
  onClose(cb: () => void): void;
  /** Gives up on output still held open by a process that left the group. */
  destroyOutput(): void;
}

export function fromChild(child: ChildProcess): Launched {
  return {
    pid: child.pid!,
    onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
    onClose: (cb) => child.on('close', cb),
    destroyOutput() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}

export interface PtyOptions {
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  runAs: { uid: number; gid: number } | null;
}

export interface PtyDyno {
  launched: Launched;
  stdin: Writable;
  stdout: Readable;
  resize(cols: number, rows: number): void;
}

const signalName = (n: number | undefined): string | null => (n ? (knownSignalName(n) ?? `SIG${n}`) : null);

/**
 * Runs `file args` on a new pseudo-terminal (node-pty forks into a new session, so the process leads its
 * own group and the terminal's Ctrl-C/SIGHUP reach it). node-pty reports the exit only once the terminal's
 * output has been read, so `onExit` and `onClose` fire together, after the last byte reached `stdout`.
 */
export function spawnPty(file: string, args: string[], options: PtyOptions): PtyDyno {
  const term = pty.spawn(file, args, {
    name: options.env.TERM || 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd,
    env: options.env,
    ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
  });
  const stdout = new PassThrough();
  term.onData((data) => stdout.write(data));
  const exitCallbacks: Array<(code: number | null, signal: string | null) => void> = [];
  const closeCallbacks: Array<() => void> = [];
  let exited = false;
  term.onExit(({ exitCode, signal }) => {
    exited = true;
    const name = signalName(signal);
    stdout.end();
    for (const cb of exitCallbacks) cb(name ? null : exitCode, name);
    for (const cb of closeCallbacks) cb();
  });
  const stdin = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!exited) term.write(chunk);
      done();
    },
    // EOF on a terminal is the EOF character (Ctrl-D), read as end of input at the start of a line.
    final(done) {
      if (!exited) term.write('\x04');
      done();
    },
  });
  return {
    launched: {
      pid: term.pid,
      onExit: (cb) => exitCallbacks.push(cb),
      onClose: (cb) => closeCallbacks.push(cb),
      destroyOutput: () => undefined, // node-pty already times out a terminal held open after exit
    },
    stdin,
    stdout,
    resize(cols, rows) {
      if (!exited) term.resize(cols, rows);
    },
  };
}
