import net from 'node:net';
import tls from 'node:tls';
import { nowMicros, type LogEntry } from '../entry.ts';
import { octetFrame, overflowEntry, toSyslogMessage } from '../syslog.ts';
import { DrainQueue } from './queue.ts';
import { backoffMs, createRefusalReporter, type Drain, type DrainConfig, type DrainOptions } from './drain.ts';
import { drainRefusalOf } from '../destination-guard.ts';

/**
 * A syslog drain over TCP or TLS: RFC 5424 messages, RFC 6587 octet-counted, one persistent connection.
 * Writes stop as soon as the socket reports back-pressure, so a receiver that never reads costs at most the
 * socket's high-water mark plus the bounded queue; beyond that entries are dropped and reported.
 * Every connect is checked against the drain policy (options.guard): a name through connect's `lookup`, an IP
 * literal (which connect never looks up) before dialling. A refused connect is a failed connect: backoff, L10.
 */
export function createSyslogDrain(
  config: DrainConfig,
  target: { host: string; port: number; tls: boolean },
  options: DrainOptions,
): Drain {
  const queue = new DrainQueue(options.bufferSize, options.onDrop, options.dropReportMs);
  const socketTimeoutMs = options.socketTimeoutMs ?? 30_000;
  let socket: net.Socket | null = null;
  let connected = false;
  let waitingDrain = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;
  const refusals = createRefusalReporter(config, options.logger);

  const retryLater = () => {
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (queue.length > 0) connect();
    }, backoffMs(attempt++, options.backoff));
    retryTimer.unref?.();
  };

  const connect = () => {
    if (closed || socket || retryTimer) return;
    const refused = options.guard.checkLiteral(target.host, target.port);
    if (refused) {
      refusals.refused(refused);
      retryLater();
      return;
    }
    // Resolves the name and refuses disallowed addresses at connect time (DNS may have changed since drains:add).
    const lookup = options.guard.lookup(target.port);
    const s = target.tls
      ? tls.connect({ host: target.host, port: target.port, lookup, servername: net.isIP(target.host) ? undefined : target.host, ...options.tls })
      : net.connect({ host: target.host, port: target.port, lookup });
    socket = s;
    s.setNoDelay(true);
    // Connect time-out, and afterwards: a receiver that takes no bytes for this long is dropped and redialled.
    s.setTimeout(socketTimeoutMs, () => {
      if (!connected || s.writableLength > 0) s.destroy(new Error('syslog drain timed out'));
    });
    s.once(target.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      attempt = 0;
      refusals.connected();
      pump();
    });
    s.on('drain', () => {
      waitingDrain = false;
      pump();
    });
    s.on('data', () => undefined); // a receiver may talk back; ignore it
    s.on('error', (err) => {
      const refusal = drainRefusalOf(err);
      if (refusal) refusals.refused(refusal);
      else options.logger?.debug?.({ drain: config.id, err: { message: err.message } }, 'syslog drain error');
    });
    s.on('close', () => {
      if (socket !== s) return;
      socket = null;
      connected = false;
      waitingDrain = false;
      if (closed) return;
      retryLater();
    });
  };

  const pump = () => {
    if (closed) return;
    if (!socket) {
      connect();
      return;
    }
    if (!connected || waitingDrain) return;
    while (queue.length > 0) {
      const frames: Buffer[] = [];
      const dropped = queue.takeInband();
      if (dropped) frames.push(octetFrame(toSyslogMessage(overflowEntry(dropped.count, dropped.since, nowMicros()), config.token)));
      for (const e of queue.take(256)) frames.push(octetFrame(toSyslogMessage(e, config.token)));
      if (!socket.write(Buffer.concat(frames))) {
        waitingDrain = true;
        return;
      }
    }
  };

  return {
    config,
    push(entry: LogEntry) {
      if (closed) return;
      queue.push(entry);
      if (connected && !waitingDrain && queue.length === 1) queueMicrotask(pump);
      else if (!socket) connect();
    },
    pending: () => queue.length,
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.destroy();
      socket = null;
      queue.close();
    },
  };
}
