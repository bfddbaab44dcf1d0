import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDynoEnv, createLineSplitter } from '../src/index.ts';
import { assertTraversable } from '../src/reachable.ts';

function split(chunks: Array<string | Buffer>, max?: number): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter((l) => lines.push(l), max);
  for (const c of chunks) splitter.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  splitter.flush();
  return lines;
}

describe('createLineSplitter', () => {
  it('splits on newlines across chunks and flushes a partial last line', () => {
    expect(split(['a\nb', 'c\n', '\nd'])).toEqual(['a', 'bc', '', 'd']);
    expect(split(['crlf\r\n'])).toEqual(['crlf']);
  });

  it('keeps a multi-byte character split between chunks whole', () => {
    const bytes = Buffer.from('日本\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['日本']);
  });

  it('cuts very long lines', () => {
    expect(split(['x'.repeat(25) + '\n'], 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});

describe('buildDynoEnv', () => {
  const base = { dyno: 'web.1', port: 5000, home: '/d/app', path: '/d/app/bin:/usr/bin:/bin' };

  it('is config plus platform vars, with the platform winning on PORT, DYNO and HOME', () => {
    expect(
      buildDynoEnv({ ...base, config: { A: 'x', PORT: '1', DYNO: 'x.1', HOME: '/', PATH: '/custom' } }),
    ).toEqual({
      A: 'x',
      PATH: '/custom',
      HOME: '/d/app',
      DYNO: 'web.1',
      PORT: '5000',
    });
  });

  it('gives PORT only to web dynos', () => {
    expect(buildDynoEnv({ ...base, port: null, config: {} })).not.toHaveProperty('PORT');
  });

  it('refuses invalid keys and NUL bytes instead of cleaning them', () => {
    expect(() => buildDynoEnv({ ...base, config: { 'BAD-KEY': 'x' } })).toThrow(
      expect.objectContaining({ code: 'PLT_INVALID_PARAMS' }),
    );
    expect(() => buildDynoEnv({ ...base, config: { K: 'a\0b' } })).toThrow(
      expect.objectContaining({ code: 'PLT_INVALID_PARAMS' }),
    );
  });
});

describe('assertTraversable', () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  it('names the directory an unprivileged dyno could not cross', async () => {
    const root = await mkdtemp(join(tmpdir(), 'runtime-process-reach-')); // mode 0700
    roots.push(root);
    await mkdir(join(root, 'dynos'));
    await expect(assertTraversable(join(root, 'dynos'), { uid: 65534, gid: 65534 })).rejects.toMatchObject({
      code: 'PLT_RUNTIME_UNAVAILABLE',
      details: { path: root },
    });
    await expect(
      assertTraversable(join(root, 'dynos'), { uid: process.getuid!(), gid: process.getgid!() }),
    ).resolves.toBeUndefined();
  });
});
