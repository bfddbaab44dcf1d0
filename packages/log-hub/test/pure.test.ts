import { describe, expect, it } from 'vitest';
import {
  createLogHub,
  formatEntry,
  formatTimestamp,
  matchesFilter,
  octetFrame,
  parseDrainUrl,
  parseOctetFrames,
  redactDrainUrl,
  splitMessage,
  toHttpDrainMessage,
  toSyslogMessage,
  type LogEntry,
} from '../src/index.ts';

const T = Date.UTC(2026, 10, 23, 8, 40, 0, 123) * 1000 + 456; // µs
const entry = (over: Partial<LogEntry> = {}): LogEntry => ({ time: T, source: 'app', process: 'web.1', message: 'hello', ...over });

describe('formatting', () => {
  it('prints Heroku display lines with microseconds', () => {
    expect(formatTimestamp(T)).toBe('2026-11-23T08:40:00.123456+00:00');
    expect(formatTimestamp(Date.UTC(2026, 0, 1) * 1000 + 7)).toBe('2026-01-01T00:00:00.000007+00:00');
    expect(formatEntry(entry())).toBe('2026-11-23T08:40:00.123456+00:00 app[web.1]: hello');
  });

  it('splits long lines by bytes without cutting characters, and newlines into lines', () => {
    expect(splitMessage('a\nb\r\nc\n')).toEqual(['a', 'b', 'c']);
    expect(splitMessage('')).toEqual(['']);
    const long = 'x'.repeat(25_000);
    expect(splitMessage(long).map((l) => l.length)).toEqual([10_000, 10_000, 5000]);
    const euro = '€'.repeat(5); // 3 bytes each
    const parts = splitMessage(euro, 7);
    expect(parts).toEqual(['€€', '€€', '€']);
    expect(parts.join('')).toBe(euro);
  });

  it('filters like logplex: a type matches its dynos, a dyno name matches exactly', () => {
    expect(matchesFilter(entry(), { dyno: 'web' })).toBe(true);
    expect(matchesFilter(entry({ process: 'web' }), { dyno: 'web' })).toBe(true);
    expect(matchesFilter(entry({ process: 'webby.1' }), { dyno: 'web' })).toBe(false);
    expect(matchesFilter(entry(), { dyno: 'web.1' })).toBe(true);
    expect(matchesFilter(entry({ process: 'web.12' }), { dyno: 'web.1' })).toBe(false);
    expect(matchesFilter(entry(), { source: 'platform' })).toBe(false);
    expect(matchesFilter(entry({ source: 'platform', process: 'router' }), { source: 'platform' })).toBe(true);
  });
});

describe('syslog framing', () => {
  it('builds RFC 5424 messages with the drain token as hostname, octet-counted', () => {
    const msg = toSyslogMessage(entry({ message: 'héllo' }), 'd.1234');
    expect(msg).toBe('<190>1 2026-11-23T08:40:00.123456+00:00 d.1234 app web.1 - - héllo');
    const frame = octetFrame(msg);
    expect(frame.toString()).toBe(`${Buffer.byteLength(msg)} ${msg}`);
    expect(toSyslogMessage(entry({ source: 'platform', process: 'router' }), 'd.1')).toMatch(/^<158>1 /);
    expect(toSyslogMessage(entry({ source: 'platform', process: 'web.1' }), 'd.1')).toMatch(/^<45>1 /);
  });

  it('builds logplex-1 HTTP messages: hostname "host", no structured data, newline counted', () => {
    const msg = toHttpDrainMessage(entry());
    expect(msg).toBe('<190>1 2026-11-23T08:40:00.123456+00:00 host app web.1 - hello\n');
    const parsed = parseOctetFrames(Buffer.concat([octetFrame(msg), octetFrame('x y'), Buffer.from('12 <1')]));
    expect(parsed.messages).toEqual([msg, 'x y']);
    expect(parsed.rest.toString()).toBe('12 <1');
  });
});

describe('drain URLs', () => {
  it('accepts syslog, syslog+tls and http(s) drains', () => {
    expect(parseDrainUrl('syslog://logs.example.com')).toEqual({ kind: 'syslog', tls: false, host: 'logs.example.com', port: 601 });
    expect(parseDrainUrl('syslog+tcp://logs.example.com:514')).toEqual({ kind: 'syslog', tls: false, host: 'logs.example.com', port: 514 });
    expect(parseDrainUrl('syslog+tls://1.2.3.4:6514')).toEqual({ kind: 'syslog', tls: true, host: '1.2.3.4', port: 6514 });
    expect(parseDrainUrl('https://u%40x:p%3Aw@logs.example.com/drain?x=1')).toEqual({
      kind: 'http',
      url: 'https://logs.example.com/drain?x=1',
      host: 'logs.example.com',
      port: 443,
      auth: { username: 'u@x', password: 'p:w' },
    });
    expect(parseDrainUrl('http://[::1]:8080/')).toMatchObject({ kind: 'http', host: '::1', port: 8080, auth: null });
    expect(parseDrainUrl('http://logs.example.com/')).toMatchObject({ host: 'logs.example.com', port: 80 });
  });

  it.each([
    ['', /required/],
    ['not a url', /scheme|spaces/],
    ['logs.example.com:514', /Unsupported drain scheme|needs a scheme/],
    ['ftp://logs.example.com', /Unsupported drain scheme "ftp:\/\/"/],
    ['syslog+udp://logs.example.com:514', /UDP/],
    ['syslog://', /no host|Invalid drain URL/],
    ['syslog+tls://logs.example.com', /needs a port/],
    ['syslog://logs.example.com:99999', /Invalid drain URL/],
    ['syslog://u:p@logs.example.com', /credentials/],
    ['syslog://logs.example.com/path', /only a host/],
    ['https://', /Invalid drain URL|no host/],
    [`https://x.example.com/${'a'.repeat(3000)}`, /too long/],
  ])('refuses bad URL #%# with a clear error', (url, message) => {
    expect(() => parseDrainUrl(url)).toThrowError(message);
    try {
      parseDrainUrl(url);
    } catch (err) {
      expect((err as { code: string }).code).toBe('PLT_INVALID_PARAMS');
    }
  });

  it('redacts passwords', () => {
    expect(redactDrainUrl('https://u:secret@x.example.com/d')).toBe('https://u:***@x.example.com/d');
  });
});

describe('hub', () => {
  it('keeps the last N entries per app, in order, and survives nothing else', () => {
    const hub = createLogHub({ historySize: 5 });
    for (let i = 0; i < 8; i++) hub.append('a', { source: 'app', process: 'web.1', message: `line ${i}` });
    hub.append('b', { source: 'app', process: 'web.1', message: 'other app' });
    expect(hub.history('a', { lines: 100 }).map((e) => e.message)).toEqual(['line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    expect(hub.history('a', { lines: 2 }).map((e) => e.message)).toEqual(['line 6', 'line 7']);
    const times = hub.history('a').map((e) => e.time);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    hub.forgetApp('a');
    expect(hub.history('a')).toEqual([]);
  });

  it('tails with a filter, and skips with an L11 marker when the reader falls behind', async () => {
    const hub = createLogHub({ tailQueueSize: 3 });
    hub.append('a', { source: 'app', process: 'web.1', message: 'old' });
    const sub = hub.subscribe('a', { lines: 10, tail: true, filter: { dyno: 'web' } });
    expect((await sub.next())!.map((e) => e.message)).toEqual(['old']);
    hub.append('a', { source: 'app', process: 'worker.1', message: 'filtered out' });
    for (let i = 0; i < 5; i++) hub.append('a', { source: 'app', process: 'web.2', message: `n${i}` });
    const batch = (await sub.next())!.map((e) => e.message);
    expect(batch.slice(0, 3)).toEqual(['n0', 'n1', 'n2']);
    expect(batch[3]).toMatch(/^Error L11 \(Tail buffer overflow\) -> This tail session dropped 2 messages since /);
    const waiting = sub.next();
    hub.append('a', { source: 'app', process: 'web.1', message: 'live' });
    expect((await waiting)!.map((e) => e.message)).toEqual(['live']);
    sub.close();
    expect(await sub.next()).toBeNull();
  });

  it('ends a non-tail subscription after the history', async () => {
    const hub = createLogHub();
    hub.append('a', { source: 'app', process: 'web.1', message: 'x' });
    const sub = hub.subscribe('a', { lines: 5 });
    expect((await sub.next())!.length).toBe(1);
    expect(await sub.next()).toBeNull();
  });
});
