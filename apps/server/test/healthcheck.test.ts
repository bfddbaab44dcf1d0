import { describe, expect, it } from 'vitest';
import { parseWebHealthcheck } from '../src/deploy/healthcheck.ts';

describe('parseWebHealthcheck (Dokku-style app.json)', () => {
  const doc = (web: unknown) => JSON.stringify({ name: 'x', healthchecks: { web } });

  it('reads the first startup check of web, with defaults', () => {
    expect(parseWebHealthcheck(doc([{ type: 'startup', path: '/health' }]))).toEqual({ path: '/health', attempts: 3, timeoutMs: 5000, intervalMs: 1000 });
    expect(parseWebHealthcheck(doc([{ type: 'liveness', path: '/live' }, { path: '/up', attempts: 5, timeout: 2, wait: 0.5 }]))).toEqual({
      path: '/up',
      attempts: 5,
      timeoutMs: 2000,
      intervalMs: 500,
    });
  });

  it('declares nothing without a web startup check, or when app.json is not JSON', () => {
    expect(parseWebHealthcheck('{"name":"x"}')).toBeNull();
    expect(parseWebHealthcheck(doc([{ type: 'liveness', path: '/live' }]))).toBeNull();
    expect(parseWebHealthcheck('not json')).toBeNull();
    expect(parseWebHealthcheck('{"healthchecks":{"worker":[{"path":"/x"}]}}')).toBeNull();
  });

  it('refuses a malformed declaration, naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ path: '/h' }, /must be a list/],
      [[{ path: 'health' }], /path must start with \//],
      [[{ path: '/a b' }], /path must start with \//],
      [[{ path: '/h', attempts: 0 }], /attempts must be a number from 1 to 60/],
      [[{ path: '/h', timeout: 'soon' }], /timeout must be a number/],
      [[{ path: '/h', wait: -1 }], /wait must be a number/],
    ];
    for (const [web, message] of cases) expect(() => parseWebHealthcheck(doc(web))).toThrow(message);
  });
});
