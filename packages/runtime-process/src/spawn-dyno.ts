import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { AttachedDyno, AttachOptions } from '@platform/types';
import { fromChild, spawnPty, type Launched } from './launched.ts';

/** Output an attached dyno may produce before its client reads it, per stream. */
const ATTACHED_BUFFER_BYTES = 1024 * 1024;

export interface SpawnDynoOptions {
  cwd: string;
  env: Record<string, string>;
  /** uid/gid to spawn as; null = the server's user (or the sandbox switches user itself). */
  runAs: { uid: number; gid: number } | null;
  /** null: a logged dyno (stdin ignored, output read into lines); otherwise the caller gets the stdio. */
  attach: AttachOptions | null;
}

export interface SpawnedDyno {
  proc: Launched;
  /** The dyno's stdio as an attached caller sees it (for a logged dyno: the raw child streams, unused). */
  io: Omit<AttachedDyno, 'dyno'>;
  /** A logged dyno's child, whose stdout/stderr become output lines; null when attached. */
  lines: ChildProcess | null;
}

/**
 * Spawns `file argv` as a dyno's main process, leader of its own session and process group (so `stop()` can
 * signal `-pgid`): on a pseudo-terminal for `attach.tty`, with pipes otherwise. Resolves once the process exists;
 * rejects with the spawn error (ENOENT, EACCES, …).
 */
export async function spawnDyno(file: string, argv: string[], options: SpawnDynoOptions): Promise<SpawnedDyno> {
  const { attach, cwd, env, runAs } = options;
  if (attach?.tty) {
    const term = spawnPty(file, argv, { cwd, env, runAs, cols: attach.cols ?? 80, rows: attach.rows ?? 24 });
    return {
      proc: term.launched,
      io: { stdin: term.stdin, stdout: term.stdout, stderr: null, resize: async (c, r) => term.resize(c, r) },
      lines: null,
    };
  }
  const child = spawn(file, argv, {
    cwd,
    env,
    detached: true, // own session and process group: stop() signals -pgid
    stdio: [attach ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  await new Promise<void>((resolveSpawn, rejectSpawn) => {
    child.once('spawn', resolveSpawn);
    child.once('error', rejectSpawn);
  });
  // A process that exits without reading its stdin must not turn the caller's writes into errors.
  child.stdin?.on('error', () => undefined);
  // Output is read at once into buffers the attach session consumes: a command that ends before its
  // client attaches keeps its output (up to ATTACHED_BUFFER_BYTES; beyond, the process waits for a reader).
  // (Only for attached dynos: a logged dyno's output is read by its line splitters, and an unread buffer
  // here would stop that reading once full.)
  const held = (stream: Readable) => (attach ? stream.pipe(new PassThrough({ highWaterMark: ATTACHED_BUFFER_BYTES })) : stream);
  return {
    proc: fromChild(child),
    io: { stdin: child.stdin!, stdout: held(child.stdout!), stderr: held(child.stderr!), resize: async () => undefined },
    lines: attach ? null : child,
  };
}
