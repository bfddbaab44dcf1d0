import { describe, expect, it } from 'vitest';
import { parseProcfile } from '../src/index.ts';

describe('parseProcfile', () => {
  it.each<[string, string, Record<string, string>]>([
    ['one type', 'web: node server.js', { web: 'node server.js' }],
    [
      'several types, trailing newline',
      'web: npm start\nworker: node worker.js\n',
      { web: 'npm start', worker: 'node worker.js' },
    ],
    ['CRLF line endings', 'web: a\r\nworker: b\r\n', { web: 'a', worker: 'b' }],
    [
      'blank lines, comments, indentation',
      '\n# processes\n  web:   a --x  \n\n   # indented comment\n',
      { web: 'a --x' },
    ],
    ['no space after the colon', 'web:node s.js', { web: 'node s.js' }],
    ['space before the colon', 'web : node s.js', { web: 'node s.js' }],
    [
      'colons inside the command',
      'web: env A=b:c sh -c "echo $PORT: ok"',
      { web: 'env A=b:c sh -c "echo $PORT: ok"' },
    ],
    [
      'dashes, underscores, digits',
      'release-phase: x\nworker_2: y\n3d: z',
      { 'release-phase': 'x', worker_2: 'y', '3d': 'z' },
    ],
    ['a byte-order mark', '\uFEFFweb: a', { web: 'a' }],
    ['empty file', '', {}],
    ['only comments', '# nothing\n\n', {}],
  ])('%s', (_label, text, expected) => {
    expect(parseProcfile(text)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ['a line without a colon', 'web: a\nnonsense here\n', /^Procfile line 2: expected/],
    ['an empty type', ': node x', /^Procfile line 1: invalid process type ""/],
    ['a type with a space', 'web server: node x', /^Procfile line 1: invalid process type "web server"/],
    ['a type starting with a dash', '-web: node x', /^Procfile line 1: invalid process type/],
    ['a type with a dot', 'web.1: node x', /^Procfile line 1: invalid process type/],
    ['a type too long', `${'a'.repeat(64)}: x`, /^Procfile line 1: invalid process type/],
    [
      'an empty command',
      'web: a\n\nworker:   \n',
      /^Procfile line 3: process type "worker" has an empty command/,
    ],
    [
      'a duplicate type (CRLF, line counted right)',
      'web: a\r\n# c\r\nweb: b\r\n',
      /^Procfile line 3: process type "web" is declared twice/,
    ],
  ])('refuses %s', (_label, text, message) => {
    let caught: unknown;
    try {
      parseProcfile(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'PLT_PROCFILE_INVALID' });
    expect((caught as Error).message).toMatch(message);
  });

  it('is not confused by Object.prototype names', () => {
    expect(parseProcfile('constructor: x\ntoString: y')).toEqual({ constructor: 'x', toString: 'y' });
    expect(() => parseProcfile('__proto__: x')).toThrow(/invalid process type/);
  });
});
