import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Store } from '@platform/store-postgres';
import { collectSlugs } from '../src/slug-gc.ts';

/** Only what collectSlugs reads of the store: the checksums of succeeded builds. */
const storeWith = (referenced: string[]) => ({ builds: { referencedArtifacts: async () => ({ slugs: new Set(referenced), images: new Set<string>() }) } }) as unknown as Store;

describe('collectSlugs', () => {
  let dir: string;
  const sum = (c: string) => c.repeat(64);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slug-gc-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes old unreferenced slugs only, and every unreferenced one of a destroyed app at once', async () => {
    const old = new Date(Date.now() - 3_600_000);
    for (const c of ['a', 'b', 'c', 'd']) await writeFile(path.join(dir, `${sum(c)}.tgz`), c);
    for (const c of ['a', 'b', 'c']) await utimes(path.join(dir, `${sum(c)}.tgz`), old, old);
    await writeFile(path.join(dir, 'not-a-slug.txt'), 'x');
    const logger = pino({ level: 'silent' });
    // a: referenced; b: old and unreferenced; c: old, unreferenced; d: unreferenced but fresh (a build in progress).
    expect(await collectSlugs(storeWith([sum('a')]), dir, logger, { only: new Set([sum('b')]) })).toEqual([`${sum('b')}.tgz`]);
    expect(await collectSlugs(storeWith([sum('a')]), dir, logger)).toEqual([`${sum('c')}.tgz`]);
    expect((await readdir(dir)).sort()).toEqual([`${sum('a')}.tgz`, `${sum('d')}.tgz`, 'not-a-slug.txt'].sort());
    expect(await collectSlugs(storeWith([sum('a')]), dir, logger, { minAgeMs: 0 })).toEqual([`${sum('d')}.tgz`]);
  });
});
