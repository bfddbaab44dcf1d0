import { describe, expect, it } from 'vitest';
import { PlatformError } from '@platform/types';
import { causeChain, causeMessages, formatStartupFailure, startupHint } from '../src/startup-error.ts';

const sysError = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

const notTraversable = (purpose: 'data' | 'programs') =>
  new PlatformError('PLT_DATABASE_UNAVAILABLE', 'Could not start the embedded PostgreSQL in /tmp/t/data/postgres.', {
    cause: new PlatformError('PLT_POSTGRES_DIR_NOT_TRAVERSABLE', 'the postgres user (uid 101) cannot enter /tmp/t (mode 0700, owner root) on the way to /tmp/t/data', {
      details: { path: '/tmp/t', purpose },
    }),
  });

describe('causeChain', () => {
  it('follows causes, stops at a cycle, at a non-object and after 10', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(causeChain(b).map((e) => e.message)).toEqual(['b', 'a']);
    expect(causeChain(new Error('x', { cause: 'a string' }))).toHaveLength(1);
    let deep: Error = new Error('0');
    for (let i = 1; i < 30; i++) deep = new Error(String(i), { cause: deep });
    expect(causeChain(deep)).toHaveLength(10);
    expect(causeChain(undefined)).toEqual([]);
  });
});

describe('causeMessages', () => {
  it.each<[string, unknown, string[]]>([
    ['one error', new Error('boom.'), ['boom']],
    ['a chain, outermost first', new Error('A.', { cause: new Error('B', { cause: new Error('C.') }) }), ['A', 'B', 'C']],
    ['a repeated message once', new Error('x failed; its last output: y', { cause: new Error('x failed') }), ['x failed; its last output: y']],
    ['newlines folded', new Error('Invalid configuration:\n  - A\n  - B'), ['Invalid configuration: - A - B']],
    ['an empty AggregateError by its parts', new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')], ''), ['connect ECONNREFUSED ::1:5432, connect ECONNREFUSED 127.0.0.1:5432']],
    ['an empty error by its code', sysError('', { code: 'ECONNRESET' }), ['ECONNRESET']],
    ['a thrown string', 'just text', ['just text']],
    ['undefined', undefined, ['undefined']],
  ])('%s', (_name, err, expected) => {
    expect(causeMessages(err)).toEqual(expected);
  });
});

describe('startupHint', () => {
  it.each<[string, unknown, RegExp | null]>([
    ['data dir not traversable', notTraversable('data'), /^Choose a PLATFORM_DATA_DIR .*chmod o\+x \/tmp\/t\).*DATABASE_URL/],
    ['programs not reachable', notTraversable('programs'), /^Install the platform where the postgres user can reach it .*chmod o\+x \/tmp\/t/],
    ['other embedded Postgres failure', new PlatformError('PLT_DATABASE_UNAVAILABLE', 'Could not start', { cause: new Error('postgres exited') }), /PLATFORM_LOG_LEVEL=debug/],
    ['port in use', new Error('wrap', { cause: sysError('listen EADDRINUSE: address already in use 127.0.0.1:5000', { code: 'EADDRINUSE', syscall: 'listen' }) }), /PLATFORM_PORT/],
    ['privileged port', sysError('listen EACCES: permission denied 0.0.0.0:80', { code: 'EACCES', syscall: 'listen' }), /below 1024/],
    ['EACCES elsewhere: unknown', sysError('open EACCES', { code: 'EACCES', syscall: 'open' }), null],
    ['foreign address', sysError('listen EADDRNOTAVAIL', { code: 'EADDRNOTAVAIL', syscall: 'listen' }), /PLATFORM_HOST/],
    ['bad database password', sysError('password authentication failed for user "platform"', { code: '28P01' }), /DATABASE_URL/],
    ['missing database', sysError('database "platform" does not exist', { code: '3D000' }), /Create that database/],
    ['unknown', new Error('something else'), null],
    ['not an error', 42, null],
  ])('%s', (_name, err, expected) => {
    const hint = startupHint(err);
    if (expected === null) expect(hint).toBeNull();
    else expect(hint).toMatch(expected);
  });
});

describe('formatStartupFailure', () => {
  it('is one line: the chain, then what to do next', () => {
    const line = formatStartupFailure(notTraversable('data'));
    expect(line).not.toContain('\n');
    expect(line).toBe(
      'platformd: could not start: Could not start the embedded PostgreSQL in /tmp/t/data/postgres: ' +
        'the postgres user (uid 101) cannot enter /tmp/t (mode 0700, owner root) on the way to /tmp/t/data. ' +
        'Choose a PLATFORM_DATA_DIR the postgres user can traverse (e.g. /var/lib/platform), make each parent directory searchable (chmod o+x /tmp/t), or set DATABASE_URL to use an external PostgreSQL',
    );
  });
  it('has no hint part for an unknown error', () => {
    expect(formatStartupFailure(new Error('Oops.', { cause: new Error('deeper') }))).toBe('platformd: could not start: Oops: deeper');
  });
});
