import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDynoEnv } from '../src/index.ts';
import { assertTraversable } from '../src/reachable.ts';

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
