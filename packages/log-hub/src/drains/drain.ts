import type { ConnectionOptions } from 'node:tls';
import type { LogEntry } from '../entry.ts';

/** A drain as stored: id, the URL given by the user, and the `d.<uuid>` token. */
export interface DrainConfig {
  id: string;
  url: string;
  token: string;
}

/** A running drain. push() never blocks and never throws; it buffers or drops. */
export interface Drain {
  readonly config: DrainConfig;
  push(entry: LogEntry): void;
  /** Entries waiting in the buffer (for tests and stats). */
  pending(): number;
  close(): void;
}

export interface DrainLogger {
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface DrainOptions {
  /** Entries buffered before dropping (logplex: 1 024 for HTTP drains). */
  bufferSize: number;
  /** Called with the number dropped since `since` µs, at most once per `dropReportMs`. */
  onDrop: (count: number, since: number) => void;
  dropReportMs: number;
  /** Reconnect / retry backoff bounds, randomized exponential. */
  backoff: { minMs: number; maxMs: number };
  logger?: DrainLogger | undefined;
  /** Extra TLS options for syslog+tls (e.g. a test CA). */
  tls?: ConnectionOptions | undefined;
  /** HTTP request time limit (logplex: 5 s). */
  requestTimeoutMs?: number | undefined;
  /** Time-out of a TCP connect or of a write the receiver does not take. */
  socketTimeoutMs?: number | undefined;
  fetch?: typeof fetch | undefined;
}

/** Randomized exponential backoff: attempt 0 → ~minMs, doubling up to maxMs. */
export function backoffMs(attempt: number, b: { minMs: number; maxMs: number }): number {
  const base = Math.min(b.maxMs, b.minMs * 2 ** Math.min(attempt, 20));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
