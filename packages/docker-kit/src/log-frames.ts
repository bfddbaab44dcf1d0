/**
 * Docker log frames. With `timestamps: true` every frame's payload starts with an RFC 3339 nano
 * timestamp and a space. The follow stream can end before the engine has written a dyno's last
 * (partial) line, so the driver reads the log once more after exit and uses the timestamps to
 * emit only what the stream missed.
 */
import { Writable } from 'node:stream';

export interface LogFrame {
  stream: 'stdout' | 'stderr';
  payload: Buffer;
}

/** Splits a non-follow logs response (multiplexed: 8-byte header [stream, 0, 0, 0, size BE32]) into frames. */
export function demuxBuffer(buf: Buffer): LogFrame[] {
  const frames: LogFrame[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const type = buf[offset];
    const size = buf.readUInt32BE(offset + 4);
    const end = Math.min(offset + 8 + size, buf.length);
    if (type === 1 || type === 2) frames.push({ stream: type === 1 ? 'stdout' : 'stderr', payload: buf.subarray(offset + 8, end) });
    offset = end;
  }
  return frames;
}

/** `2024-01-02T03:04:05.123456789Z rest` → nanoseconds since the epoch and `rest`; null when there is no timestamp. */
export function splitTimestamp(payload: Buffer): { ns: bigint; rest: Buffer } | null {
  const space = payload.indexOf(0x20);
  if (space < 20 || space > 40) return null;
  const text = payload.toString('latin1', 0, space);
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0'));
  return { ns: BigInt(ms) * 1_000_000n + fraction, rest: payload.subarray(space + 1) };
}

/** The engine's `since` parameter (seconds, fractional allowed) for a nanosecond timestamp. */
export function sinceParam(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  return `${s}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/**
 * One followed log's frames, each entry delivered once: per stream, the newest timestamp delivered is kept (the
 * engine stamps stdout and stderr separately, so their entries interleave out of order), and an entry at or
 * before it is skipped. So a follow re-opened after the engine ended it early, and the read after exit, never
 * repeat a line. `fromStart` false: only entries from now on (an adopted dyno's past is not replayed).
 */
export interface TimestampedFrames {
  /** Delivers a frame's payload (without its timestamp) unless already delivered. */
  take(frame: LogFrame): void;
  /** Takes every frame of a non-follow logs response. */
  takeBuffer(buf: Buffer): void;
  /** The `since` parameter that re-reads from the older of the two streams' newest delivered entries. */
  sinceDelivered(): string;
  /** Writable sinks for `modem.demuxStream` (one payload per write: one timestamped entry). */
  sink(stream: LogFrame['stream']): Writable;
}

/** See `TimestampedFrames`; `deliver` gets each new entry's payload, timestamp removed. */
export function createTimestampedFrames(fromStart: boolean, deliver: (stream: LogFrame['stream'], payload: Buffer) => void): TimestampedFrames {
  const since = fromStart ? 0n : BigInt(Date.now()) * 1_000_000n;
  const lastNs = { stdout: since, stderr: since };
  const take = (frame: LogFrame) => {
    const stamped = splitTimestamp(frame.payload);
    if (stamped) {
      if (stamped.ns <= lastNs[frame.stream]) return;
      lastNs[frame.stream] = stamped.ns;
    }
    deliver(frame.stream, stamped ? stamped.rest : frame.payload);
  };
  return {
    take,
    takeBuffer: (buf) => demuxBuffer(buf).forEach(take),
    sinceDelivered: () => sinceParam(lastNs.stdout < lastNs.stderr ? lastNs.stdout : lastNs.stderr),
    sink: (stream) => new Writable({ write: (payload: Buffer, _enc, done) => (take({ stream, payload }), done()) }),
  };
}
