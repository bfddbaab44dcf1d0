/** One line of an app's stream. */
export interface LogEntry {
  /** Microseconds since the epoch (display and syslog timestamps carry µs). */
  time: number;
  /** `app` (dyno output, API events) or `platform` (router, dyno manager, builds, logplex warnings). */
  source: string;
  /** `web.1`, `router`, `api`, `build`, `release.3`, `logplex`, … */
  process: string;
  /** One line, no newline. */
  message: string;
}

/** What a caller hands to the hub; the hub stamps the time unless one is given. */
export interface LogInput {
  source: string;
  process: string;
  message: string;
  /** Microseconds since the epoch. */
  time?: number | undefined;
}

/** Tail/history filter, logplex semantics: `dyno: 'web'` matches `web` and `web.*`; `web.1` exactly. */
export interface LogFilter {
  dyno?: string | undefined;
  source?: string | undefined;
}

/** Heroku splits lines over 10 000 bytes into chunks. */
export const MAX_LINE_BYTES = 10_000;

/** Wall clock in µs. performance.now() gives the sub-millisecond part. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** `2026-11-23T08:40:00.123456+00:00` (RFC 5424 timestamp, µs, UTC). */
export function formatTimestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2026-11-23T08:40:00.123Z
  const frac = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${frac}+00:00`;
}

/** Heroku's display line: `<time> <source>[<process>]: <message>` (no trailing newline). */
export function formatEntry(e: LogEntry): string {
  return `${formatTimestamp(e.time)} ${e.source}[${e.process}]: ${e.message}`;
}

/**
 * Splits a message into lines (on \n, dropping \r) and each line into chunks of at most `maxBytes`
 * UTF-8 bytes, never cutting a multi-byte character. Nothing is dropped.
 */
export function splitMessage(message: string, maxBytes = MAX_LINE_BYTES): string[] {
  const out: string[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // Fast path: a JS string never has more UTF-8 bytes than 3 × its length.
    if (line.length * 3 <= maxBytes || Buffer.byteLength(line) <= maxBytes) {
      out.push(line);
      continue;
    }
    const buf = Buffer.from(line);
    let start = 0;
    while (start < buf.length) {
      let end = Math.min(start + maxBytes, buf.length);
      // Step back off UTF-8 continuation bytes (10xxxxxx) so a character is not cut.
      while (end < buf.length && end > start && (buf[end]! & 0xc0) === 0x80) end--;
      if (end === start) end = Math.min(start + maxBytes, buf.length); // maxBytes < 4: cut anyway
      out.push(buf.subarray(start, end).toString());
      start = end;
    }
  }
  // A message that ended with \n does not produce a trailing empty line; an empty message stays one line.
  if (out.length > 1 && out[out.length - 1] === '') out.pop();
  return out;
}

export function matchesFilter(e: LogEntry, filter: LogFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.source && e.source !== filter.source) return false;
  if (filter.dyno) {
    const d = filter.dyno;
    if (e.process !== d && !(d.indexOf('.') === -1 && e.process.startsWith(`${d}.`))) return false;
  }
  return true;
}
