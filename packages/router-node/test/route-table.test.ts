import { describe, expect, it } from 'vitest';
import { pickTarget } from '../src/index.ts';

describe('pickTarget', () => {
  it('never picks a failed target while others remain', () => {
    const a = { dyno: 'web.1', address: { host: '127.0.0.1', port: 1 } };
    const b = { dyno: 'web.2', address: { host: '127.0.0.1', port: 2 } };
    for (let i = 0; i < 50; i++) expect(pickTarget([a, b], new Set([a]))).toBe(b);
  });
});
