import { describe, expect, it } from 'vitest';
import { parseConfigSetArgs, parseReleaseRef, parseScaleArgs } from '../src/args.ts';
import { parseDynoTarget } from '../src/commands/ps/target.ts';

describe('config:set arguments', () => {
  it('splits at the first =', () => {
    expect(parseConfigSetArgs(['A=1', 'B==x', 'C=', 'URL=postgres://u:p@h/db?a=b'])).toEqual({
      A: '1',
      B: '=x',
      C: '',
      URL: 'postgres://u:p@h/db?a=b',
    });
  });

  it.each([['A'], ['=x']])('refuses %s', (arg) => {
    expect(() => parseConfigSetArgs(['OK=1', arg])).toThrow(
      `${arg} is invalid. Must be in the format FOO=bar.`,
    );
  });

  it('requires at least one pair', () => {
    expect(() => parseConfigSetArgs([])).toThrow(/Usage/);
  });
});

describe('ps:scale arguments', () => {
  it('parses absolute and relative changes and sizes', () => {
    expect(parseScaleArgs(['web=3', 'worker+1', 'web-1', 'my-queue_2=0:Standard-2X'])).toEqual([
      { type: 'web', quantity: 3 },
      { type: 'worker', quantity: '+1' },
      { type: 'web', quantity: '-1' },
      { type: 'my-queue_2', quantity: 0, size: 'Standard-2X' },
    ]);
    expect(parseScaleArgs([])).toEqual([]);
  });

  it.each([['web'], ['web=x'], ['=3'], ['web=3:'], ['web 3'], ['web=-1'], ['$(id)=1']])(
    'refuses %j',
    (arg) => {
      expect(() => parseScaleArgs([arg])).toThrow(`${arg} is invalid`);
    },
  );
});

describe('release references', () => {
  it.each([
    ['v12', 12],
    ['12', 12],
    ['V3', 3],
    ['01234567-89ab-cdef-0123-456789abcdef', '01234567-89ab-cdef-0123-456789abcdef'],
  ])('%s → %j', (ref, expected) => {
    expect(parseReleaseRef(ref)).toBe(expected);
  });
});

describe('ps:restart / ps:stop targets', () => {
  it.each([
    [undefined, {}, { kind: 'all' }],
    ['web', {}, { kind: 'type', type: 'web' }],
    ['web.1', {}, { kind: 'dyno', name: 'web.1' }],
    [undefined, { dynoName: 'run.42' }, { kind: 'dyno', name: 'run.42' }],
    [undefined, { processType: 'worker' }, { kind: 'type', type: 'worker' }],
  ] as const)('%s %j', (positional, flags, expected) => {
    expect(parseDynoTarget(positional, flags)).toEqual(expected);
  });

  it.each([
    ['web.x', {}],
    ['../x', {}],
    ['web', { processType: 'worker' }],
  ] as const)('refuses %s %j', (positional, flags) => {
    expect(() => parseDynoTarget(positional, flags)).toThrow();
  });
});
