import type { ConnectionOptions } from 'node:tls';
import { formatTimestamp, matchesFilter, nowMicros, splitMessage, MAX_LINE_BYTES, type LogEntry, type LogFilter, type LogInput } from './entry.ts';
import { parseDrainUrl, type DrainTarget } from './drain-url.ts';
import { createDestinationGuard, drainRefusalOf, type DrainDestinationPolicy, type DrainResolver } from './destination-guard.ts';
import { createSyslogDrain } from './drains/syslog-drain.ts';
import { createHttpDrain } from './drains/http-drain.ts';
import type { Drain, DrainConfig, DrainLogger, DrainOptions } from './drains/drain.ts';

export interface LogHubOptions {
  /** Entries kept per app (Heroku: 1 500). */
  historySize?: number;
  /** Longer lines are split into chunks of this many bytes (Heroku: 10 000). */
  maxLineBytes?: number;
  /** Entries a tail may have queued before it skips (with an L11 marker). */
  tailQueueSize?: number;
  /** Entries a drain may buffer before dropping (with an L10 warning). */
  drainBufferSize?: number;
  /** At most one L10 warning per drain per this interval. */
  dropReportMs?: number;
  drainBackoff?: { minMs: number; maxMs: number };
  drainTls?: ConnectionOptions;
  drainRequestTimeoutMs?: number;
  /**
   * Where drains may send (drain-policy.ts). Default: public addresses only — no loopback, private, link-local,
   * metadata, unspecified or reserved address, whether written in the URL or resolved from its name.
   */
  drainPolicy?: DrainDestinationPolicy;
  /** Resolves drain host names (default: dns.lookup, every address). */
  drainResolver?: DrainResolver;
  /** How long checkDrainUrl waits for DNS before leaving the check to connect time (ms, default 5000). */
  drainResolveTimeoutMs?: number;
  logger?: DrainLogger;
}

export interface SubscribeOptions {
  /** History entries to start with (after filtering); 0 for none. */
  lines?: number;
  filter?: LogFilter;
  /** Keep streaming new entries; otherwise the subscription ends after the history. */
  tail?: boolean;
}

/** A pull-based reader: await next() for a batch; the reader's own pace bounds what it holds. */
export interface LogSubscription {
  /** The next entries (at least one), or null once the subscription is closed or has nothing more. */
  next(): Promise<LogEntry[] | null>;
  close(): void;
}

interface AppLog {
  ring: Array<LogEntry | undefined>;
  start: number;
  size: number;
  lastTime: number;
  subscribers: Set<Subscriber>;
  drains: Map<string, Drain>;
}

interface Subscriber {
  filter: LogFilter | undefined;
  queue: LogEntry[];
  dropped: number;
  droppedSince: number;
  wake: (() => void) | null;
  closed: boolean;
}

export type LogHub = ReturnType<typeof createLogHub>;

/**
 * The apps' log streams: a ring of the last entries per app, live tails and drains.
 *
 *   const hub = createLogHub();
 *   hub.append('myapp', { source: 'app', process: 'web.1', message: 'listening on 5000' });
 *   hub.history('myapp', { lines: 100 }).map(formatEntry);
 *   const sub = hub.subscribe('myapp', { lines: 10, tail: true, filter: { dyno: 'web' } });
 *   for (let batch; (batch = await sub.next()); ) write(batch);
 */
export function createLogHub(options: LogHubOptions = {}) {
  const historySize = options.historySize ?? 1500;
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const tailQueueSize = options.tailQueueSize ?? 1000;
  const apps = new Map<string, AppLog>();
  const guard = createDestinationGuard({ policy: options.drainPolicy, resolver: options.drainResolver });
  let closed = false;

  const appLog = (app: string): AppLog => {
    let log = apps.get(app);
    if (!log) {
      log = { ring: new Array(historySize), start: 0, size: 0, lastTime: 0, subscribers: new Set(), drains: new Map() };
      apps.set(app, log);
    }
    return log;
  };

  const record = (log: AppLog, e: LogEntry, exceptDrain?: string) => {
    const i = (log.start + log.size) % historySize;
    log.ring[i] = e;
    if (log.size < historySize) log.size++;
    else log.start = (log.start + 1) % historySize;
    for (const sub of log.subscribers) {
      if (!matchesFilter(e, sub.filter)) continue;
      if (sub.queue.length >= tailQueueSize) {
        if (sub.dropped === 0) sub.droppedSince = e.time;
        sub.dropped++;
        continue;
      }
      sub.queue.push(e);
      if (sub.wake) {
        const wake = sub.wake;
        sub.wake = null;
        wake();
      }
    }
    for (const [id, drain] of log.drains) if (id !== exceptDrain) drain.push(e);
  };

  /** Appends one message (split into several entries when it has newlines or is over the size limit). */
  function append(app: string, input: LogInput, exceptDrain?: string): void {
    if (closed) return;
    const log = appLog(app);
    for (const message of splitMessage(input.message, maxLineBytes)) {
      // Times are strictly increasing per app, so sorting by time keeps the arrival order.
      const time = Math.max(input.time ?? nowMicros(), log.lastTime + 1);
      log.lastTime = time;
      record(log, { time, source: input.source, process: input.process, message }, exceptDrain);
    }
  }

  function history(app: string, opts: { lines?: number; filter?: LogFilter } = {}): LogEntry[] {
    const log = apps.get(app);
    if (!log) return [];
    const want = Math.max(0, Math.min(opts.lines ?? 100, historySize));
    const out: LogEntry[] = [];
    for (let k = log.size - 1; k >= 0 && out.length < want; k--) {
      const e = log.ring[(log.start + k) % historySize]!;
      if (matchesFilter(e, opts.filter)) out.push(e);
    }
    return out.reverse();
  }

  function subscribe(app: string, opts: SubscribeOptions = {}): LogSubscription {
    const backlog = (opts.lines ?? 0) > 0 ? history(app, { lines: opts.lines!, filter: opts.filter }) : [];
    const sub: Subscriber = { filter: opts.filter, queue: [], dropped: 0, droppedSince: 0, wake: null, closed: false };
    const log = appLog(app);
    if (opts.tail && !closed) log.subscribers.add(sub);
    else sub.closed = true;
    const close = () => {
      sub.closed = true;
      log.subscribers.delete(sub);
      if (sub.wake) {
        const wake = sub.wake;
        sub.wake = null;
        wake();
      }
    };
    return tailSession(sub, backlog, close);
  }

  const drainOptions = (app: string, config: DrainConfig): DrainOptions => ({
    // ~0.4 s of a 25,000 lines/s burst while one batch is in flight; a few MB at most per drain.
    bufferSize: options.drainBufferSize ?? 10_000,
    dropReportMs: options.dropReportMs ?? 1000,
    backoff: options.drainBackoff ?? { minMs: 500, maxMs: 30_000 },
    tls: options.drainTls,
    requestTimeoutMs: options.drainRequestTimeoutMs,
    logger: options.logger,
    guard,
    onDrop: (count, since) =>
      append(app, {
        source: 'platform',
        process: 'logplex',
        message: `Error L10 (output buffer overflow): ${count} messages dropped since ${formatTimestamp(since)} (drain ${config.token}).`,
      }, config.id), // not fed back into the drain that dropped: it gets the in-band L10 instead
  });

  /**
   * Validates a drain URL and checks its destination against the drain policy, resolving a host name: what
   * `drains:add` runs before storing a drain. Throws PLT_INVALID_PARAMS (`details.refusal` when the policy
   * refuses) with a message that says why and which setting would allow it. A name that does not resolve (or
   * not within drainResolveTimeoutMs) passes: every connect checks again.
   */
  async function checkDrainUrl(url: string): Promise<DrainTarget> {
    const target = parseDrainUrl(url);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.drainResolveTimeoutMs ?? 5000);
      timer.unref?.();
    });
    try {
      await Promise.race([guard.resolve(target.host, target.port), timeout]);
    } catch (err) {
      if (drainRefusalOf(err)) throw err;
    } finally {
      clearTimeout(timer);
    }
    return target;
  }

  /**
   * Starts delivering an app's entries to a drain (from now on). Replaces a drain with the same id. Throws
   * PLT_INVALID_PARAMS for an invalid URL or an IP-literal host the policy refuses (no DNS here: a name is
   * checked at every connect).
   */
  function addDrain(app: string, config: DrainConfig): void {
    if (closed) return;
    const target = parseDrainUrl(config.url);
    const refused = guard.checkLiteral(target.host, target.port);
    if (refused) throw refused;
    const log = appLog(app);
    log.drains.get(config.id)?.close();
    const opts = drainOptions(app, config);
    log.drains.set(config.id, target.kind === 'syslog' ? createSyslogDrain(config, target, opts) : createHttpDrain(config, target, opts));
  }

  function removeDrain(app: string, drainId: string): void {
    const log = apps.get(app);
    log?.drains.get(drainId)?.close();
    log?.drains.delete(drainId);
  }

  /** Forgets an app (deleted): history, tails (ended) and drains (stopped). */
  function forgetApp(app: string): void {
    const log = apps.get(app);
    if (!log) return;
    for (const d of log.drains.values()) d.close();
    for (const s of [...log.subscribers]) {
      s.closed = true;
      s.wake?.();
    }
    apps.delete(app);
  }

  return {
    /** Appends one message (split into several entries when it has newlines or is over the size limit). */
    append: (app: string, input: LogInput) => append(app, input),
    history,
    subscribe,
    checkDrainUrl,
    addDrain,
    removeDrain,
    /** Running drains of an app, with their buffered entry counts. */
    drains: (app: string) => [...(apps.get(app)?.drains.values() ?? [])].map((d) => ({ ...d.config, pending: d.pending() })),
    forgetApp,
    /** Stops every drain and ends every tail. */
    async close(): Promise<void> {
      closed = true;
      for (const app of [...apps.keys()]) forgetApp(app);
    },
  };
}

/**
 * One tail session's reader: the backlog first, then batches as they arrive; `next()` resolves null once the
 * session is closed and drained. Entries a slow reader could not take are replaced by Logplex's L11 marker
 * at the end of the next batch.
 */
function tailSession(sub: Subscriber, backlog: LogEntry[], close: () => void): LogSubscription {
  let pendingBacklog: LogEntry[] | null = backlog.length > 0 ? backlog : null;
  return {
    async next() {
      if (pendingBacklog) {
        const b = pendingBacklog;
        pendingBacklog = null;
        return b;
      }
      while (sub.queue.length === 0 && sub.dropped === 0) {
        if (sub.closed) return null;
        await new Promise<void>((resolve) => (sub.wake = resolve));
      }
      const batch = sub.queue;
      sub.queue = [];
      if (sub.dropped > 0) {
        // The gap comes after what was queued: the marker goes at the end of the batch.
        batch.push({
          time: Math.max(nowMicros(), (batch[batch.length - 1]?.time ?? 0) + 1),
          source: 'platform',
          process: 'logplex',
          message: `Error L11 (Tail buffer overflow) -> This tail session dropped ${sub.dropped} messages since ${formatTimestamp(sub.droppedSince)}`,
        });
        sub.dropped = 0;
      }
      return batch;
    },
    close,
  };
}
