import { describe, expect, it } from 'vitest';
import { formatRouterLogLine } from '@platform/router-kit';
import { hCodeOf, parseAccessLine } from '../src/index.ts';

const line = (server: string, tsc: string, extra: Partial<{ st: number; marked: string; app: string }> = {}) =>
  `PLT1 "${extra.app ?? 'shop'}" "${server}" ${extra.st ?? 200} 112 1 0 0 9 ${tsc} "0f34752b-564d-4138-9dd0-d03053282186" "${extra.marked ?? ''}" "GET" "/a?b=1" "shop.localhost:8080" "1.2.3.4, 127.0.0.1" "http"\n`;

describe('parseAccessLine', () => {
  it("turns HAProxy's line into Heroku's log entry", () => {
    const entry = parseAccessLine(line('web.1--127.0.0.1:5000', '----'))!;
    expect(entry).toMatchObject({ app: 'shop', at: 'info', dyno: 'web.1', connectMs: 1, serviceMs: 8, status: 200, bytes: 112, path: '/a?b=1' });
    expect(formatRouterLogLine(entry)).toBe(
      'at=info method=GET path="/a?b=1" host=shop.localhost:8080 request_id=0f34752b-564d-4138-9dd0-d03053282186 fwd="1.2.3.4, 127.0.0.1" dyno=web.1 connect=1ms service=8ms status=200 bytes=112 protocol=http',
    );
  });

  it('ignores HAProxy notices and requests no app was found for', () => {
    expect(parseAccessLine('Server app-shop/web.1 is UP/READY')).toBeNull();
    expect(parseAccessLine(line('<NOSRV>', 'LR--', { app: '', st: 404 }))).toBeNull();
  });

  it('unescapes quoted fields and refuses lines of another shape', () => {
    const quoted = line('web.1--127.0.0.1:5000', '----').replace('"/a?b=1"', String.raw`"/say?q=\"hi there\"&b=\\"`);
    expect(parseAccessLine(quoted)).toMatchObject({ path: '/say?q="hi there"&b=\\', status: 200 });
    expect(parseAccessLine(line('web.1--127.0.0.1:5000', '----').replace(' 112 ', ' 11x '))).toBeNull();
    expect(parseAccessLine(line('web.1--127.0.0.1:5000', '---'))).toBeNull();
    expect(parseAccessLine(line('web.1--127.0.0.1:5000', '----').replace(/"http"\n$/, '"http'))).toBeNull();
    expect(parseAccessLine(`${line('web.1--127.0.0.1:5000', '----').trimEnd()} extra`)).toBeNull();
  });

  it('maps termination states to H-codes with their status', () => {
    expect(parseAccessLine(line('<NOSRV>', 'SC--', { st: 503 }))).toMatchObject({ code: 'H14', at: 'error', status: 503, dyno: null });
    expect(parseAccessLine(line('<NOSRV>', 'LR--', { st: 503, marked: 'H80' }))).toMatchObject({ code: 'H80', at: 'info', status: 503 });
    expect(parseAccessLine(line('web.2--127.0.0.1:5001', 'CD--', { st: 200 }))).toMatchObject({ code: 'H27', status: 499 });
    // The first-byte action's answer: `LH` (a local reply while waiting for the response), marked H12, with its dyno.
    expect(parseAccessLine(line('web.1--127.0.0.1:5000', 'LH--', { st: 503, marked: 'H12' }))).toMatchObject({ code: 'H12', at: 'error', status: 503, dyno: 'web.1' });
  });
});

describe('hCodeOf', () => {
  it.each([
    ['sH--', 'web.1--a:1', 'H12'],
    ['sD--', 'web.1--a:1', 'H15'],
    ['sC--', 'web.1--a:1', 'H19'],
    ['SC--', 'web.1--a:1', 'H21'],
    ['SH--', 'web.1--a:1', 'H13'],
    ['SD--', 'web.1--a:1', 'H18'],
    ['PH--', 'web.1--a:1', 'H17'],
    ['cD--', 'web.1--a:1', 'H28'],
    ['sQ--', '<NOSRV>', 'H11'],
    ['CH--', 'web.1--a:1', 'H27'],
    ['----', 'web.1--a:1', undefined],
  ])('%s → %s', (tsc, server, code) => {
    expect(hCodeOf(tsc, server, '')).toBe(code);
  });

  it('takes the code a rule marked (maintenance H80, every web dyno crashed H10, backlog full H11, no first byte H12) before the state', () => {
    expect(hCodeOf('LR--', '<NOSRV>', 'H80')).toBe('H80');
    expect(hCodeOf('LR--', '<NOSRV>', 'H10')).toBe('H10');
    expect(hCodeOf('LR--', '<NOSRV>', 'H11')).toBe('H11');
    expect(hCodeOf('LH--', 'web.1--a:1', 'H12')).toBe('H12');
  });
});
