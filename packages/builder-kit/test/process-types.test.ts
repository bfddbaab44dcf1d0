import { describe, expect, it } from 'vitest';
import { createSlugIgnore, describeProcessTypes, formatSize, resolveProcessTypes } from '../src/index.ts';

const release = (types: string) => `---\ndefault_process_types:\n${types}`;

describe('resolveProcessTypes', () => {
  it.each<[string, string | null, string | null, Record<string, string>, string[] | null, string[]]>([
    ['nothing', null, null, {}, null, []],
    ['defaults only', null, release('  web: npm start\n'), { web: 'npm start' }, null, ['web']],
    ['Procfile only', 'web: node s.js\n', null, { web: 'node s.js' }, ['web'], []],
    [
      'Procfile overrides defaults, keeps the others',
      'web: node s.js\nworker: node w.js\n',
      release('  web: npm start\n  console: node\n'),
      { web: 'node s.js', worker: 'node w.js', console: 'node' },
      ['web', 'worker'],
      ['web', 'console'],
    ],
    ['empty YAML document', null, '---\n', {}, null, []],
    ['empty default map', null, '---\ndefault_process_types: {}\n', {}, null, []],
    ['addons and config_vars are ignored', null, '---\naddons: []\nconfig_vars:\n  A: b\n', {}, null, []],
  ])('%s', (_l, procfile, yaml, processTypes, procfileTypes, defaultTypes) => {
    expect(resolveProcessTypes(procfile, yaml)).toEqual({ processTypes, procfileTypes, defaultTypes });
  });

  it.each<[string, string | null, string | null, string, RegExp]>([
    ['a bad Procfile', 'web: a\nnope\n', null, 'PLT_PROCFILE_INVALID', /^Procfile line 2: /],
    ['invalid YAML', null, 'default_process_types: [\n', 'PLT_BUILD_FAILED', /invalid YAML/],
    ['a non-map document', null, '- a\n- b\n', 'PLT_BUILD_FAILED', /not print a YAML map/],
    [
      'a bad type name',
      null,
      release('  "web server": x\n'),
      'PLT_BUILD_FAILED',
      /invalid entry "web server"/,
    ],
    ['a non-string command', null, release('  web: [1, 2]\n'), 'PLT_BUILD_FAILED', /invalid entry "web"/],
  ])('refuses %s', (_l, procfile, yaml, code, message) => {
    let caught: unknown;
    try {
      resolveProcessTypes(procfile, yaml);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code });
    expect((caught as Error).message).toMatch(message);
  });

  it('describes the result the Heroku way', () => {
    expect(describeProcessTypes(resolveProcessTypes(null, release('  web: npm start\n')))).toEqual([
      '-----> Discovering process types',
      '       Procfile declares types     -> (none)',
      '       Default types for buildpack -> web',
    ]);
  });
});

describe('createSlugIgnore', () => {
  const match = createSlugIgnore('# comment\n\n*.md\n/tmp/\nspec/**/fixtures\n!keep.md\nlog/*.log\n')!;
  it.each<[string, boolean, boolean]>([
    ['README.md', false, true],
    ['docs/deep/guide.md', false, true],
    ['tmp', true, true],
    ['tmp', false, false], // trailing slash: directories only
    ['src/tmp', true, false], // leading slash: anchored
    ['spec/fixtures', true, true],
    ['spec/a/b/fixtures', true, true],
    ['log/x.log', false, true],
    ['log/sub/x.log', false, false],
    ['server.js', false, false],
    ['amd', false, false],
  ])('%s (dir=%s) → %s', (rel, isDir, expected) => {
    expect(match(rel, isDir)).toBe(expected);
  });
  it('is undefined without patterns', () => {
    expect(createSlugIgnore(null)).toBeUndefined();
    expect(createSlugIgnore('# only a comment\n')).toBeUndefined();
  });
});

describe('formatSize', () => {
  it.each([
    [512, '0.5K'],
    [1_300_000, '1.2M'],
    [2 * 1024 ** 3, '2.0G'],
  ])('%d → %s', (bytes, text) => expect(formatSize(bytes)).toBe(text));
});
