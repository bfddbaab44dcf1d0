import { describe, expect, it } from 'vitest';
import { createTimestampedFrames, demuxBuffer, sinceParam, splitTimestamp, type LogFrame } from '../src/log-frames.ts';

/** A multiplexed logs response (8-byte header: stream, 0, 0, 0, size BE32) of `frames`. */
function multiplexed(frames: LogFrame[]): Buffer {
  return Buffer.concat(
    frames.flatMap((f) => {
      const header = Buffer.alloc(8);
      header[0] = f.stream === 'stdout' ? 1 : 2;
      header.writeUInt32BE(f.payload.length, 4);
      return [header, f.payload];
    }),
  );
}
const entry = (stream: LogFrame['stream'], at: string, text: string): LogFrame => ({ stream, payload: Buffer.from(`${at} ${text}`) });

describe('docker log frames', () => {
  it('reads timestamps to the nanosecond and gives them back as `since`', () => {
    const stamped = splitTimestamp(Buffer.from('2026-11-30T12:00:00.000000123Z hello'));
    expect(stamped?.ns).toBe(BigInt(Date.parse('2026-11-30T12:00:00Z')) * 1_000_000n + 123n);
    expect(stamped?.rest.toString()).toBe('hello');
    expect(splitTimestamp(Buffer.from('no timestamp here'))).toBeNull();
    expect(sinceParam(1_764_504_000_000_000_123n)).toBe('1764504000.000000123');
  });

  it('delivers each entry once across a re-opened follow and the read after exit, per stream', () => {
    const got: string[] = [];
    const frames = createTimestampedFrames(true, (stream, payload) => got.push(`${stream}:${payload.toString()}`));
    const first = [entry('stdout', '2026-11-30T12:00:01.000000001Z', 'a'), entry('stderr', '2026-11-30T12:00:01.5Z', 'oops')];
    // The engine stamps the streams apart: a stdout entry older than the last stderr one is still new.
    const later = [entry('stdout', '2026-11-30T12:00:01.2Z', 'b'), entry('stderr', '2026-11-30T12:00:02Z', 'again')];
    for (const f of first) frames.take(f);
    expect(frames.sinceDelivered()).toBe(sinceParam(BigInt(Date.parse('2026-11-30T12:00:01Z')) * 1_000_000n + 1n));
    frames.takeBuffer(multiplexed([...first, ...later]));
    expect(got).toEqual(['stdout:a', 'stderr:oops', 'stdout:b', 'stderr:again']);
    expect(demuxBuffer(multiplexed(later)).map((f) => f.stream)).toEqual(['stdout', 'stderr']);
  });

  it('skips what an adopted dyno said before it was adopted, and passes unstamped payloads through', async () => {
    const got: string[] = [];
    const frames = createTimestampedFrames(false, (_stream, payload) => got.push(payload.toString()));
    frames.take(entry('stdout', new Date(Date.now() - 60_000).toISOString(), 'old'));
    frames.take(entry('stdout', new Date(Date.now() + 60_000).toISOString(), 'new'));
    const sink = frames.sink('stderr');
    await new Promise<void>((resolve) => sink.write(Buffer.from('plain'), () => resolve()));
    expect(got).toEqual(['new', 'plain']);
  });
});
