import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { byteLimit, TooLargeError } from './http-util.ts';
import { captureHead, drainBody } from './push-refusal.ts';

/** A request body on its way into git: streamed chunk by chunk, never collected whole. */
export interface BodyPipe {
  /** True once the body (raw, or after gunzip) passed the cap. */
  readonly tooLarge: boolean;
  /** True when a body over the cap was read to its end (within a second cap's worth), so it can be answered in git's protocol. */
  readonly drained: boolean;
  /** The first bytes of the decoded body (receive-pack's command section), at most 64 KiB. */
  head(): Buffer;
  /**
   * Once git has exited: reads the rest of the body (git may have stopped reading early), through the caps, to
   * tell "too large" from bad input; a body over the cap is then read on, bounded, and dropped.
   */
  settle(): Promise<void>;
}

/**
 * Pipes `raw` → cap → [gunzip → cap] → `stdin`, with back-pressure (at most a few stream buffers, 16–64 KiB
 * each, are in memory at a time, whatever the body's size). Past `maxBytes` the pipe stops and `stdin` is
 * ended, so git sees a truncated pack and removes its quarantine itself. `kill` runs when the client goes away.
 */
export function pipeBody(raw: IncomingMessage, encoding: string, maxBytes: number, stdin: Writable, kill: () => void): BodyPipe {
  const stages = [byteLimit(maxBytes), ...(encoding === 'identity' ? [] : [createGunzip(), byteLimit(maxBytes)])];
  let upstream: NodeJS.ReadableStream = raw;
  for (const stage of stages) upstream = upstream.pipe(stage);
  const last = stages.at(-1)!;
  const head = captureHead(last);
  last.pipe(stdin);
  const inputDone = new Promise<void>((resolve) => {
    last.once('end', resolve);
    last.once('close', resolve);
    for (const stage of stages) stage.once('error', () => resolve());
    raw.once('error', () => resolve());
  });
  let tooLarge = false;
  let drained = false;
  const fail = (err: unknown) => {
    raw.unpipe();
    last.unpipe(stdin);
    for (const stage of stages) stage.destroy();
    if (err instanceof TooLargeError) {
      tooLarge = true;
      stdin.end();
    } else kill();
  };
  for (const stage of stages) stage.on('error', fail);
  raw.on('error', fail);
  stdin.on('error', () => {}); // EPIPE when git stops reading early; its exit tells the story.

  return {
    get tooLarge() {
      return tooLarge;
    },
    get drained() {
      return drained;
    },
    head,
    async settle() {
      last.unpipe(stdin);
      last.resume(); // count (and drop) the rest
      await inputDone;
      if (tooLarge) drained = await drainBody(raw, maxBytes);
    },
  };
}
