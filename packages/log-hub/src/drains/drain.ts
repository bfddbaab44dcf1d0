import type { ConnectionOptions } from 'node:tls';
import type { LogEntry } from '../entry.ts';
import { redactDrainUrl } from '../drain-url.ts';
import type { DestinationGuard } from '../destination-guard.ts';

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
  /** Checks every connect against the drain policy (a refused connect counts as a failed one). */
  guard: DestinationGuard;
}

/**
 * Logs a connect the drain policy refused: at warn the first time (until a connect succeeds again), then at debug,
 * so a drain retrying with backoff costs one warning. The URL is logged without its password.
 */
export function createRefusalReporter(config: DrainConfig, logger: DrainLogger | undefined) {
  let warned = false;
  return {
    refused(err: Error): void {
      const fields = { drain: config.id, url: redactDrainUrl(config.url), reason: err.message };
      if (warned) logger?.debug?.(fields, 'log drain connect refused by the drain policy');
      else logger?.warn(fields, 'log drain connect refused by the drain policy; retrying with backoff');
      warned = true;
    },
    connected(): void {
      warned = false;
    },
  };
}

/** Randomized exponential backoff: attempt 0 → ~minMs, doubling up to maxMs. */
export function backoffMs(attempt: number, b: { minMs: number; maxMs: number }): number {
  const base = Math.min(b.maxMs, b.minMs * 2 ** Math.min(attempt, 20));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
