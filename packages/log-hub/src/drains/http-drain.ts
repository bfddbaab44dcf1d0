import { createHash } from 'node:crypto';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { nowMicros, type LogEntry } from '../entry.ts';
import { octetFrame, overflowEntry, toHttpDrainMessage } from '../syslog.ts';
import { DrainQueue } from './queue.ts';
import { backoffMs, createRefusalReporter, type Drain, type DrainConfig, type DrainOptions } from './drain.ts';
import { drainRefusalOf, type DestinationGuard } from '../destination-guard.ts';

/** logplex: at most 1 024 messages per POST, sent once ~100 KiB are buffered (or right away when idle). */
export const HTTP_BATCH_MAX_MESSAGES = 1024;
export const HTTP_BATCH_TARGET_BYTES = 102_400;
/** 3 tries in all for 429, 5xx and network errors. */
export const HTTP_TRIES = 3;

/** One logplex-1 body: octet-counted messages back to back. */
export function logplexBody(entries: LogEntry[]): Buffer {
  return Buffer.concat(entries.map((e) => octetFrame(toHttpDrainMessage(e))));
}

/**
 * The connection pool of one HTTP drain, every connect of which the drain policy checks. fetch() cannot say which
 * address it will dial, so the check sits in undici's connector, where the socket is made: an IP-literal host is
 * checked before dialling, a name is resolved by the guard's `lookup` and only the addresses it allowed are handed
 * to net/tls.connect (resolve-then-connect: no second, unchecked resolution). TLS still verifies the name.
 * Redirects are not followed (`redirect: 'manual'`), so the target is the only host ever dialled.
 */
export function createGuardedAgent(guard: DestinationGuard, port: number): Agent {
  const connectChecked = buildConnector({ lookup: guard.lookup(port) });
  return new Agent({
    connect: (opts, callback) => {
      const refused = guard.checkLiteral(opts.hostname, port);
      if (refused) callback(refused, null);
      else connectChecked(opts, callback);
    },
  });
}

/**
 * An HTTPS (or HTTP) drain: batched POSTs of `application/logplex-1`, one request in flight.
 * A batch is retried with randomized backoff on 429/5xx/network errors (same Logplex-Frame-Id each try),
 * dropped on other 4xx or after the last try; the drop is reported in-band and in the app's stream.
 */
export function createHttpDrain(
  config: DrainConfig,
  target: { url: string; port: number; auth: { username: string; password: string } | null },
  options: DrainOptions,
): Drain {
  const queue = new DrainQueue(options.bufferSize, options.onDrop, options.dropReportMs);
  const dispatcher = createGuardedAgent(options.guard, target.port);
  const refusals = createRefusalReporter(config, options.logger);
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const authorization = target.auth
    ? `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString('base64')}`
    : null;
  let running = false;
  let closed = false;
  const inflight = new AbortController();
  let sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sleeper = null;
        resolve();
      }, ms);
      sleeper = { timer, resolve };
    });

  /** true = delivered or permanently refused (drop without retry is counted by the caller). */
  async function post(body: Buffer, count: number, frameId: string): Promise<'ok' | 'retry' | 'refused'> {
    const headers: Record<string, string> = {
      'content-type': 'application/logplex-1',
      'logplex-msg-count': String(count),
      'logplex-frame-id': frameId,
      'logplex-drain-token': config.token,
      'user-agent': 'Logplex/platform',
    };
    if (authorization) headers.authorization = authorization;
    try {
      const res = await undiciFetch(target.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        dispatcher,
        signal: AbortSignal.any([inflight.signal, AbortSignal.timeout(timeoutMs)]),
      });
      refusals.connected();
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return 'ok';
      if (res.status === 429 || res.status >= 500) return 'retry';
      options.logger?.warn({ drain: config.id, status: res.status }, 'HTTP drain refused a batch; dropped');
      return 'refused';
    } catch (err) {
      const refusal = drainRefusalOf(err);
      if (refusal) refusals.refused(refusal);
      else options.logger?.debug?.({ drain: config.id, err: { message: (err as Error).message } }, 'HTTP drain request failed');
      return 'retry';
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!closed && queue.length > 0) {
      let bytes = 0;
      const dropped = queue.takeInband();
      const head = dropped ? [overflowEntry(dropped.count, dropped.since, nowMicros())] : [];
      const batch = queue.take(HTTP_BATCH_MAX_MESSAGES - head.length, (e) => {
        bytes += e.message.length + 64;
        return bytes < HTTP_BATCH_TARGET_BYTES;
      });
      const entries = [...head, ...batch];
      const body = logplexBody(entries);
      const frameId = createHash('md5').update(body).digest('hex').toUpperCase();
      let outcome: 'ok' | 'retry' | 'refused' = 'retry';
      for (let tryNo = 0; tryNo < HTTP_TRIES && !closed; tryNo++) {
        if (tryNo > 0) await sleep(backoffMs(failures, options.backoff));
        if (closed) return;
        outcome = await post(body, entries.length, frameId);
        if (outcome !== 'retry') break;
        failures++;
      }
      if (outcome === 'ok') failures = 0;
      else if (batch.length > 0) queue.dropped(batch.length, batch[0]!.time);
      // A drain that keeps failing is not hammered: wait before the next batch too.
      if (outcome !== 'ok' && !closed) await sleep(backoffMs(failures, options.backoff));
    }
  }

  const start = () => {
    if (running || closed) return;
    running = true;
    // Let the current burst of synchronous pushes land in the first batch.
    setImmediate(() => {
      run()
        .catch((err) => options.logger?.warn({ drain: config.id, err }, 'HTTP drain loop failed'))
        .finally(() => {
          running = false;
          if (!closed && queue.length > 0) start();
        });
    });
  };

  return {
    config,
    push(entry: LogEntry) {
      if (closed) return;
      queue.push(entry);
      start();
    },
    pending: () => queue.length,
    close() {
      closed = true;
      inflight.abort();
      void dispatcher.destroy().catch(() => undefined);
      if (sleeper) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      queue.close();
    },
  };
}
