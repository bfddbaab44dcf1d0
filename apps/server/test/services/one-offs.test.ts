import { describe, expect, it } from 'vitest';
import { parseRunRequest, substituteProcessType } from '../../src/services/one-offs.ts';

describe('substituteProcessType', () => {
  const commands = { migrate: 'node migrate.js', web: 'node server.js' };
  it('replaces a first word naming a process type and appends the rest', () => {
    expect(substituteProcessType('migrate', commands)).toBe('node migrate.js');
    expect(substituteProcessType('migrate --step  2', commands)).toBe('node migrate.js --step  2');
    expect(substituteProcessType('bash', commands)).toBe('bash');
    expect(substituteProcessType('migrated', commands)).toBe('migrated');
    expect(substituteProcessType('constructor x', commands)).toBe('constructor x');
  });
});

describe('parseRunRequest', () => {
  it('reads the Heroku fields with defaults', () => {
    expect(parseRunRequest({ command: ' bash ', attach: true, env: { TERM: 'xterm', COLUMNS: 120 }, time_to_live: 1800 })).toMatchObject({
      command: 'bash', attach: true, tty: true, env: { TERM: 'xterm', COLUMNS: '120' }, ttlMs: 1_800_000, size: undefined,
    });
    expect(parseRunRequest({ command: 'x', attach: true, force_no_tty: true }).tty).toBe(false);
    expect(parseRunRequest({ command: 'x' })).toMatchObject({ attach: false, tty: false, ttlMs: 86_400_000 });
    expect(parseRunRequest({ command: 'x', size: 'Standard-2X' }).size).toEqual({ memoryMb: 1024, pids: 512 });
  });
  it.each([
    [{}, /command is required/],
    [{ command: '  ' }, /command is required/],
    [{ command: 'a\0b' }, /NUL/],
    [{ command: 'x', attach: 'yes' }, /attach/],
    [{ command: 'x', env: { 'BAD-KEY': '1' } }, /Invalid env var name/],
    [{ command: 'x', env: { A: { nested: 1 } } }, /must be a string/],
    [{ command: 'x', size: 'huge' }, /Unknown dyno size/],
    [{ command: 'x', time_to_live: 0 }, /time_to_live/],
    [{ command: 'x', time_to_live: 86_401 }, /time_to_live/],
    [{ command: 'x', type: 'web' }, /type must be run/],
  ])('refuses %j', (body, message) => {
    expect(() => parseRunRequest(body)).toThrow(message);
  });
});
