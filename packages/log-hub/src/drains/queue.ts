import type { LogEntry } from '../entry.ts';

/** Called when a drain had to drop entries: `count` dropped since `since` (µs). */
export type DropReporter = (count: number, since: number) => void;

/**
 * A drain's bounded buffer. When full, new entries are dropped and counted twice over: once for the
 * in-band L10 message sent to the drain with its next delivery, once for the warning in the app's stream
 * (reported at most once per `reportEveryMs`, so a dead drain costs one line per interval, not one per drop).
 */
export class DrainQueue {
  private items: LogEntry[] = [];
  private head = 0;
  private inband = { count: 0, since: 0 };
  private reported = { count: 0, since: 0 };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly max: number,
    private readonly report: DropReporter,
    private readonly reportEveryMs: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(e: LogEntry): boolean {
    if (this.length >= this.max) {
      this.dropped(1, e.time);
      return false;
    }
    this.items.push(e);
    return true;
  }

  /** Counts entries that were lost (full buffer, or a batch given up after retries). */
  dropped(count: number, since: number): void {
    if (this.inband.count === 0) this.inband.since = since;
    this.inband.count += count;
    if (this.reported.count === 0) this.reported.since = since;
    this.reported.count += count;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const { count: n, since: s } = this.reported;
      this.reported = { count: 0, since: 0 };
      if (n > 0) this.report(n, s);
    }, this.reportEveryMs);
    this.timer.unref?.();
  }

  /** The pending in-band drop count (and resets it), or null. */
  takeInband(): { count: number; since: number } | null {
    if (this.inband.count === 0) return null;
    const r = this.inband;
    this.inband = { count: 0, since: 0 };
    return r;
  }

  /** Removes up to `n` entries from the head, stopping early when `fits` says the batch is full. */
  take(n: number, fits: (e: LogEntry, taken: number) => boolean = () => true): LogEntry[] {
    const out: LogEntry[] = [];
    while (out.length < n && this.head < this.items.length) {
      const e = this.items[this.head]!;
      if (out.length > 0 && !fits(e, out.length)) break;
      out.push(e);
      this.head++;
    }
    // Compact now and then instead of shift() per entry.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
    this.head = 0;
  }
}
