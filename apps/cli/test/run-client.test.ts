import { describe, expect, it } from 'vitest';
import { buildCommand, parseRunEnv, separateRunCommand } from '../src/run-client.ts';

describe('buildCommand', () => {
  it('keeps one argument as a shell line and quotes several one by one', () => {
    expect(buildCommand(['echo $HOME | wc -c'])).toBe('echo $HOME | wc -c');
    expect(buildCommand(['node', '-e', 'process.exit(3)'])).toBe(`node -e 'process.exit(3)'`);
    expect(buildCommand(['migrate', '--step', '2'])).toBe('migrate --step 2');
    expect(buildCommand(['echo', "it's $x"])).toBe(`echo 'it'\\''s $x'`);
  });
});

describe('parseRunEnv', () => {
  it('parses KEY=value lists separated by ; and repeated flags', () => {
    expect(parseRunEnv(['A=1;B=two words', 'C=x=y'])).toEqual({ A: '1', B: 'two words', C: 'x=y' });
    expect(parseRunEnv(['EMPTY='])).toEqual({ EMPTY: '' });
    expect(parseRunEnv()).toEqual({});
  });
  it('refuses a part without =', () => {
    expect(() => parseRunEnv(['NOPE'])).toThrow(/NOPE is invalid/);
  });
});

describe('separateRunCommand', () => {
  it('puts -- before the first word of the command, after the CLI options', () => {
    expect(separateRunCommand(['run', 'node', '-e', 'x'])).toEqual(['run', '--', 'node', '-e', 'x']);
    expect(separateRunCommand(['run', '-a', 'app', '-e', 'A=1', 'cat'])).toEqual(['run', '-a', 'app', '-e', 'A=1', '--', 'cat']);
    expect(separateRunCommand(['--server', 'http://x', 'run:detached', '--size=standard-2x', 'ls', '-l'])).toEqual([
      '--server', 'http://x', 'run:detached', '--size=standard-2x', '--', 'ls', '-l',
    ]);
  });
  it('leaves other commands and an explicit -- alone', () => {
    expect(separateRunCommand(['ps', '-a', 'x'])).toEqual(['ps', '-a', 'x']);
    expect(separateRunCommand(['run', '--', 'ls'])).toEqual(['run', '--', 'ls']);
  });
});
