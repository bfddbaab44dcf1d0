import { describe, expect, it } from 'vitest';
import { loadCorpus, manifestProblems } from './corpus-manifest.ts';

describe('corpus manifests', () => {
  it('every app in test/corpus has a valid corpus.json, and there are at least 20', () => {
    const apps = loadCorpus();
    expect(apps.length).toBeGreaterThanOrEqual(20);
    expect(apps.filter((a) => a.manifest.docker).length).toBeGreaterThan(0);
  });

  it('reports every problem of a manifest at once: unknown fields, wrong types, bad patterns', () => {
    const problems = manifestProblems({
      description: 'x',
      htpp: [],
      build: { fails: true, output: ['(unclosed'] },
      http: [{ path: 'no-slash', bdy: ['x'] }],
      formation: { web: -1 },
      run: [{ command: 'ls' }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'corpus.json: unknown field "htpp"',
        expect.stringMatching(/^build\.output: Invalid regular expression/),
        'http[0]: unknown field "bdy"',
        'http[0].path must start with /',
        'formation must map process types to counts',
        'a build that fails has nothing to run: only build (and logs) may be checked',
      ]),
    );
    expect(manifestProblems({ description: '' })).toEqual(['description is required']);
    expect(manifestProblems({ description: 'fine', http: [{ path: '/', json: { ok: true } }] })).toEqual([]);
  });
});
