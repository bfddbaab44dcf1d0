import type Docker from 'dockerode';
import type { Dyno, DynoOutput } from '@platform/types';
import { createDynoOutputLines, type RuntimeLogger } from '@platform/runtime-kit';
import { createTimestampedFrames, isNotFound } from '@platform/docker-kit';

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
  // Entries already delivered are skipped: follows may be re-opened and the log is re-read after exit.
  const frames = createTimestampedFrames(options.fromStart, (stream, payload) => lines[stream].push(payload));

  const ended = (async () => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      const stream = (await container.logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(attempt > 0 ? { since: frames.sinceDelivered() } : options.fromStart ? {} : { tail: 0 }),
      })) as unknown as NodeJS.ReadableStream;
      logStream = stream;
      if (signal.aborted) return (stream as { destroy?: () => void }).destroy?.();
      // demuxStream writes one payload per frame: each write is one timestamped log entry.
      docker.modem.demuxStream(stream, frames.sink('stdout'), frames.sink('stderr'));
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
          since: frames.sinceDelivered(),
        })) as unknown as Buffer;
        if (Buffer.isBuffer(rest)) frames.takeBuffer(rest);
      } catch (e) {
        if (!isNotFound(e)) logger?.warn({ err: e, dyno: dyno.id }, 'reading the last dyno output failed');
      }
    },
    flush: () => lines.flush(),
    destroy: () => (logStream as { destroy?: () => void } | null)?.destroy?.(),
  };
}
