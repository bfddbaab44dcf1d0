import type Docker from 'dockerode';
import type { Dyno, DynoOutput } from '@platform/types';
import { createDynoOutputLines, type RuntimeLogger } from '@platform/runtime-kit';
import { createTimestampedFrames, isNotFound } from '@platform/docker-kit';

/** A service's log (its one task's output, from whichever node runs it), followed into output lines. */
export interface ServiceLogFollower {
  /** After the task ended: emits what the follow has not delivered yet (read once more, from the last entry on). */
  readRest(): Promise<void>;
  /** Emits both streams' partial last lines. */
  flush(): void;
  /** Stops following. */
  destroy(): void;
}

/**
 * Follows `GET /services/{id}/logs?follow&timestamps` (the manager gathers it from the task's node) into
 * `DynoOutput` lines. Each stream remembers the newest timestamp delivered, so the follow re-opened after the
 * engine ended it and the read after exit never repeat a line. `fromStart`: the whole log (a new dyno); else
 * only what comes from now on (an adopted one).
 */
export function followServiceLogs(
  docker: Docker,
  dyno: Dyno,
  options: { fromStart: boolean; emit(output: DynoOutput): void; logger?: RuntimeLogger | undefined },
): ServiceLogFollower {
  const service = docker.getService(dyno.id);
  let destroyed = false;
  let current: (NodeJS.ReadableStream & { destroy?: () => void }) | null = null;
  const lines = createDynoOutputLines(dyno, (output) => {
    if (!destroyed) options.emit(output);
  });
  const frames = createTimestampedFrames(options.fromStart, (stream, payload) => lines[stream].push(payload));

  void (async () => {
    for (let attempt = 0; !destroyed; attempt++) {
      const stream = (await service.logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(attempt > 0 || !options.fromStart ? { since: frames.sinceDelivered() } : {}),
      })) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
      current = stream;
      if (destroyed) return stream.destroy?.();
      docker.modem.demuxStream(stream, frames.sink('stdout'), frames.sink('stderr'));
      await new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', resolve);
      });
      // The manager may end a follow early (a task not yet on a node, a node restart): follow again.
      if (!destroyed)
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
    }
  })().catch((err: unknown) => {
    if (!destroyed && !isNotFound(err))
      options.logger?.warn({ err, dyno: dyno.id }, 'dyno log stream failed');
  });

  return {
    async readRest() {
      try {
        const rest = (await service.logs({
          follow: false,
          stdout: true,
          stderr: true,
          timestamps: true,
          since: frames.sinceDelivered(),
        })) as unknown;
        if (Buffer.isBuffer(rest)) frames.takeBuffer(rest);
      } catch (err) {
        if (!isNotFound(err))
          options.logger?.warn({ err, dyno: dyno.id }, 'reading the last dyno output failed');
      }
    },
    flush: () => lines.flush(),
    destroy() {
      destroyed = true;
      current?.destroy?.();
    },
  };
}
