import { describe, expect, it } from 'vitest';
import { parseIndex } from '../src/commands/buildpacks/shared.ts';

describe('buildpacks --index', () => {
  it('turns a 1-based position into a 0-based one, up to one past the end', () => {
    expect(parseIndex('1', 0)).toBe(0);
    expect(parseIndex('2', 2)).toBe(1);
    expect(parseIndex('3', 2)).toBe(2);
  });

  it.each([['0'], ['4'], ['-1'], ['x'], ['1.5'], ['']])('refuses %j with the range to use', (raw) => {
    expect(() => parseIndex(raw, 2)).toThrow(/Invalid --index/);
  });
});
