import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { Dyno, DynoOutput } from '@platform/types';
import { createDynoOutputLines, type RuntimeLogger } from '@platform/runtime-kit';
import { demuxBuffer, isNotFound, sinceParam, splitTimestamp, type LogFrame } from '@platform/docker-kit';

export interface FollowOptions {
  /** A fresh dyno: replay its whole log. An adopted one: new lines only (its past is not replayed). */
  fromStart: boolean;
  /** Aborted when the watch is detached: no more lines are emitted, the follow stops. */
  signal: AbortSignal;
  /** True once the container's exit was seen: a follow that ends then is not re-opened. */
  exited(): boolean;
  emit(output: DynoOutput): void;
  logger?: RuntimeLogger | undefined;
}

/** A container's log, followed into output lines. */
export interface LogFollower {
  /** Resolves when following stopped for good (the follow ended while the dyno no longer runs, or aborted). */
  ended: Promise<void>;
  /** After exit: emits what the follow stream missed (the engine may end it before the last line is written). */
  readRest(): Promise<void>;
  /** Emits both streams' partial last lines. */
  flush(): void;
  /** Destroys the current follow stream. */
  destroy(): void;
}

/**
 * Follows a container's log (`timestamps: true`) into `DynoOutput` lines. Each stream remembers the newest
 * timestamp delivered, so a follow re-opened after the engine ended it early, and the read after exit, never
 * repeat a line.
 */
export function followLogs(docker: Docker, container: Docker.Container, dyno: Dyno, options: FollowOptions): LogFollower {
  const { signal, logger } = options;
  let logStream: NodeJS.ReadableStream | null = null;
  const lines = createDynoOutputLines(dyno, (output) => {
    if (!signal.aborted) options.emit(output);
  });
  // Per stream, the newest timestamp delivered (the engine stamps stdout and stderr separately, so
  // their entries interleave out of order); adopted dynos start from now (their past is not replayed).
  const since = options.fromStart ? 0n : BigInt(Date.now()) * 1_000_000n;
  const lastNs = { stdout: since, stderr: since };
  /** Entries already delivered are skipped: follows may be re-opened and the log is re-read after exit. */
  function takeFrame(frame: LogFrame): void {
    const stamped = splitTimestamp(frame.payload);
    if (stamped) {
      if (stamped.ns <= lastNs[frame.stream]) return;
      lastNs[frame.stream] = stamped.ns;
    }
    lines[frame.stream].push(stamped ? stamped.rest : frame.payload);
  }
  const sinceDelivered = () => sinceParam(lastNs.stdout < lastNs.stderr ? lastNs.stdout : lastNs.stderr);
  const sink = (stream: 'stdout' | 'stderr') =>
    new Writable({ write: (payload: Buffer, _enc, done) => (takeFrame({ stream, payload }), done()) });

  const ended = (async () => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      const stream = (await container.logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(attempt > 0 ? { since: sinceDelivered() } : options.fromStart ? {} : { tail: 0 }),
      })) as unknown as NodeJS.ReadableStream;
      logStream = stream;
      if (signal.aborted) return (stream as { destroy?: () => void }).destroy?.();
      // demuxStream writes one payload per frame: each write is one timestamped log entry.
      docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
      await new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', resolve);
      });
      if (signal.aborted || options.exited()) return;
      // The engine may end a follow while the dyno still runs (seen right after start, under load): follow again.
      const info = await container.inspect().catch(() => null);
      if (!info?.State.Running) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1_000)));
    }
  })().catch((e) => logger?.warn({ err: e, dyno: dyno.id }, 'dyno log stream failed'));

  return {
    ended,
    async readRest() {
      try {
        const rest = (await container.logs({
          follow: false,
          stdout: true,
          stderr: true,
          timestamps: true,
          since: sinceDelivered(),
        })) as unknown as Buffer;
        if (Buffer.isBuffer(rest)) for (const frame of demuxBuffer(rest)) takeFrame(frame);
      } catch (e) {
        if (!isNotFound(e)) logger?.warn({ err: e, dyno: dyno.id }, 'reading the last dyno output failed');
      }
    },
    flush: () => lines.flush(),
    destroy: () => (logStream as { destroy?: () => void } | null)?.destroy?.(),
  };
}
