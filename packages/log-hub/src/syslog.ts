import { formatTimestamp, type LogEntry } from './entry.ts';

/**
 * PRI as logplex sends it: local7.info (190) for app output, local3.info (158) for the router,
 * syslog.notice (45) for other platform messages, local5.warning (172) for logplex's own L10/L11.
 */
export function priorityOf(e: LogEntry): number {
  if (e.source === 'app') return 190;
  if (e.process === 'router') return 158;
  if (e.process === 'logplex') return 172;
  return 45;
}

/** RFC 5424 fields must be printable US-ASCII without spaces (APP-NAME ≤ 48, PROCID ≤ 128). */
function field(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/**
 * Syslog drain message (logplex `to_msg`): `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG`,
 * HOSTNAME = the drain token, APP-NAME = source, PROCID = process.
 */
export function toSyslogMessage(e: LogEntry, hostname: string): string {
  return `<${priorityOf(e)}>1 ${formatTimestamp(e.time)} ${field(hostname, 255)} ${field(e.source, 48)} ${field(e.process, 128)} - - ${e.message}`;
}

/**
 * HTTPS drain message (logplex_http_drain): HOSTNAME is literally `host`, no STRUCTURED-DATA field,
 * and a trailing newline that the octet count includes.
 */
export function toHttpDrainMessage(e: LogEntry): string {
  return `<${priorityOf(e)}>1 ${formatTimestamp(e.time)} host ${field(e.source, 48)} ${field(e.process, 128)} - ${e.message}\n`;
}

/** RFC 6587 octet counting: `<byte length> <message>`. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

/**
 * Parses octet-counted frames from a buffer (a receiver's side; used by tests and tools).
 * Returns the complete messages and the unconsumed rest.
 */
export function parseOctetFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let pos = 0;
  for (;;) {
    const space = buf.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(buf.subarray(pos, space).toString());
    if (!Number.isInteger(len) || len < 0) throw new Error(`bad octet-counted frame at byte ${pos}`);
    if (space + 1 + len > buf.length) break;
    messages.push(buf.subarray(space + 1, space + 1 + len).toString());
    pos = space + 1 + len;
  }
  return { messages, rest: buf.subarray(pos) };
}

/** The in-band warning logplex puts at the head of the next delivery after drops. */
export function overflowEntry(dropped: number, sinceMicros: number, time: number): LogEntry {
  return {
    time,
    source: 'platform',
    process: 'logplex',
    message: `Error L10 (output buffer overflow): ${dropped} messages dropped since ${formatTimestamp(sinceMicros)}.`,
  };
}
