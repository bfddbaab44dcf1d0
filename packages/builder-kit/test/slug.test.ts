import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packSlug, storeSlug } from '../src/index.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'builder-kit-slug-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('storeSlug', () => {
  it('is content-addressed', async () => {
    const dir = path.join(tmp, 'store');
    const a = await storeSlug(dir, Readable.from([Buffer.from('same bytes')]));
    const b = await storeSlug(dir, Readable.from([Buffer.from('same bytes')]));
    expect(a).toEqual(b);
    expect(a.checksum).toBe(createHash('sha256').update('same bytes').digest('hex'));
    await expect(storeSlug(dir, Readable.from([Buffer.alloc(100)]), { maxBytes: 10 })).rejects.toThrow(/too large/);
    expect(await fsp.readdir(dir)).toEqual([`${a.checksum}.tgz`]);
  });
});

describe('packSlug', () => {
  it('gives the same file for the same tree, whatever the mtimes', async () => {
    const src = path.join(tmp, 'tree');
    await fsp.mkdir(path.join(src, 'lib'), { recursive: true });
    await fsp.writeFile(path.join(src, 'lib', 'a.js'), 'a');
    await fsp.writeFile(path.join(src, 'notes.md'), 'left out');
    const exclude = (rel: string) => rel.endsWith('.md');
    const first = await packSlug(src, path.join(tmp, 'slugs'), { exclude });
    await fsp.utimes(path.join(src, 'lib', 'a.js'), new Date(), new Date(Date.now() - 86_400_000));
    const second = await packSlug(src, path.join(tmp, 'slugs'), { exclude });
    expect(second).toEqual(first);
    expect(first.path).toBe(path.join(tmp, 'slugs', `${first.checksum}.tgz`));
  });
});
