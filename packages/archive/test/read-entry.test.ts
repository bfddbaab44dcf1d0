import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectory, readTarEntry } from '../src/index.ts';

describe('readTarEntry', () => {
  let dir: string;
  let slug: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'read-entry-'));
    const src = path.join(dir, 'src');
    await fsp.mkdir(path.join(src, 'sub'), { recursive: true });
    await fsp.writeFile(path.join(src, 'app.json'), '{"name":"x"}');
    await fsp.writeFile(path.join(src, 'big.json'), 'x'.repeat(100_000));
    await fsp.writeFile(path.join(src, 'sub', 'app.json'), 'nested');
    await fsp.symlink('/etc/passwd', path.join(src, 'link.json'));
    slug = path.join(dir, 'slug.tgz');
    await packDirectory(src, fs.createWriteStream(slug), { gzip: true });
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('reads one top-level file without extracting the slug', async () => {
    expect(await readTarEntry(slug, ['app.json'])).toBe('{"name":"x"}');
    expect(await readTarEntry(slug, ['sub/app.json'])).toBe('nested');
  });

  it('is null for an absent, oversized or non-regular entry (a symlink is never followed)', async () => {
    expect(await readTarEntry(slug, ['missing.json'])).toBeNull();
    expect(await readTarEntry(slug, ['big.json'], 1000)).toBeNull();
    expect(await readTarEntry(slug, ['link.json'])).toBeNull();
  });
});
