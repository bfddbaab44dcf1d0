import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../src/api/database-errors.ts';

describe('isDatabaseUnavailable', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    ['dropped connection', new Error('Connection terminated unexpectedly'), true],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), true],
    ['admin shutdown (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), true],
    ['starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' }), true],
    ['connection exception class 08', Object.assign(new Error('x'), { code: '08006' }), true],
    ['as the cause of another error', new Error('lookup failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }), true],
    ['every address refused (AggregateError)', new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]), true],
    ['a unique violation is a real answer', Object.assign(new Error('duplicate key'), { code: '23505' }), false],
    ['a syntax error is a bug, not an outage', Object.assign(new Error('syntax error'), { code: '42601' }), false],
    ['anything else', new Error('boom'), false],
    ['not an error', 'text', false],
  ];
  for (const [name, err, expected] of cases) it(name, () => expect(isDatabaseUnavailable(err)).toBe(expected));
});
