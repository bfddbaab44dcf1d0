import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTar, packDirectory, safeJoin } from '../src/index.ts';

type Entry = Partial<tar.Header> & { name: string; body?: string | Buffer };

/** Builds a tar in memory, exactly as given (tar-stream does not sanitise names). */
async function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ mode: 0o644, ...header }, body ?? '', (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

let tmp: string;
let dest: string;
beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'archive-test-'));
  dest = path.join(tmp, 'dest');
});
afterEach(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

async function expectUnsafe(entries: Entry[], entryName: string, options = {}): Promise<void> {
  const buf = await makeTar(entries);
  const err = await extractTar(Readable.from([buf]), dest, options).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'PLT_UNSAFE_ARCHIVE' });
  expect((err as Error).message).toContain(JSON.stringify(entryName));
}

describe('extractTar refuses', () => {
  it.each<[string, Entry[], string]>([
    ['an absolute name', [{ name: '/tmp/evil', body: 'x' }], '/tmp/evil'],
    ['a ../ name', [{ name: '../x', body: 'x' }], '../x'],
    ['a nested .. name', [{ name: 'a/../../x', body: 'x' }], 'a/../../x'],
    ['a symlink to an absolute path', [{ name: 'a', type: 'symlink', linkname: '/etc' }], 'a'],
    ['a symlink climbing out', [{ name: 'd/a', type: 'symlink', linkname: '../../etc' }], 'd/a'],
    [
      'a write through a symlink extracted earlier',
      [
        { name: 'real/', type: 'directory', mode: 0o755 },
        { name: 'a', type: 'symlink', linkname: 'real' },
        { name: 'a/passwd', body: 'x' },
      ],
      'a/passwd',
    ],
    [
      'a symlink that escapes through another symlink',
      [
        { name: 's', type: 'symlink', linkname: '.' },
        { name: 'l', type: 'symlink', linkname: 's/../etc' },
      ],
      'l',
    ],
    ['a hard link to /etc/passwd', [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], 'h'],
    ['a hard link climbing out', [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }], 'h'],
    [
      'a hard link through a symlink',
      [
        { name: 'd/', type: 'directory' },
        { name: 'd/f', body: 'x' },
        { name: 's', type: 'symlink', linkname: 'd' },
        { name: 'h', type: 'link', linkname: 's/f' },
      ],
      'h',
    ],
    ['a character device', [{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }], 'null'],
    ['a block device', [{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }], 'sda'],
    ['a fifo', [{ name: 'pipe', type: 'fifo' }], 'pipe'],
    [
      'a file replacing a directory',
      [
        { name: 'd/', type: 'directory' },
        { name: 'd', body: 'x' },
      ],
      'd',
    ],
  ])('%s', async (_label, entries, entryName) => {
    await expectUnsafe(entries, entryName);
    // Nothing escaped next to the destination.
    expect(fs.existsSync(path.join(tmp, 'x'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'evil'))).toBe(false);
  });

  it('an entry over maxBytes, before writing it', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    await expectUnsafe([{ name: 'big.bin', body: big }], 'big.bin', { maxBytes: 1024 * 1024 });
    expect(fs.existsSync(path.join(dest, 'big.bin'))).toBe(false);
  });

  it('more entries than maxEntries', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, body: 'x' }));
    await expectUnsafe(entries, 'f3', { maxEntries: 3 });
  });

  it('garbage input with PLT_INVALID_ARCHIVE', async () => {
    const garbage = Buffer.alloc(1024, 0x41);
    const err = await extractTar(Readable.from([garbage]), dest).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLT_INVALID_ARCHIVE' });
  });
});

describe('extractTar', () => {
  it('never follows a symlink when writing a file', async () => {
    const outside = path.join(tmp, 'outside.txt');
    await fsp.writeFile(outside, 'original');
    await fsp.mkdir(dest);
    await fsp.symlink(outside, path.join(dest, 'x')); // planted before extraction
    const buf = await makeTar([
      { name: 'target.txt', body: 'keep' },
      { name: 'f', type: 'symlink', linkname: 'target.txt' },
      { name: 'f', body: 'replaced' },
      { name: 'x', body: 'replaced' },
    ]);
    await extractTar(Readable.from([buf]), dest);
    expect(await fsp.readFile(outside, 'utf8')).toBe('original');
    expect(await fsp.readFile(path.join(dest, 'target.txt'), 'utf8')).toBe('keep');
    expect((await fsp.lstat(path.join(dest, 'f'))).isFile()).toBe(true);
    expect(await fsp.readFile(path.join(dest, 'x'), 'utf8')).toBe('replaced');
  });

  it('refuses a pre-existing symlinked directory in destDir', async () => {
    await fsp.mkdir(dest);
    await fsp.mkdir(path.join(tmp, 'elsewhere'));
    await fsp.symlink(path.join(tmp, 'elsewhere'), path.join(dest, 'd'));
    await expectUnsafe([{ name: 'd/f', body: 'x' }], 'd/f');
    expect(fs.existsSync(path.join(tmp, 'elsewhere', 'f'))).toBe(false);
  });

  it('extracts modes (without setuid), relative symlinks, hard links and nested dirs from a plain tar', async () => {
    const buf = await makeTar([
      { name: './', type: 'directory', mode: 0o755 },
      { name: './bin/', type: 'directory', mode: 0o755 },
      { name: './bin/run', body: '#!/bin/sh\n', mode: 0o4755 },
      { name: './node_modules/.bin/run', type: 'symlink', linkname: '../../bin/run' },
      { name: './copy', type: 'link', linkname: 'bin/run' },
      { name: './ro/', type: 'directory', mode: 0o555 },
      { name: './ro/f', body: 'inside read-only dir', mode: 0o444 },
    ]);
    const result = await extractTar(Readable.from([buf]), dest);
    expect(result).toEqual({ entries: 7, bytes: 10 + 20 });
    expect((await fsp.stat(path.join(dest, 'bin/run'))).mode & 0o7777).toBe(0o755);
    expect(await fsp.readlink(path.join(dest, 'node_modules/.bin/run'))).toBe('../../bin/run');
    expect(await fsp.readFile(path.join(dest, 'node_modules/.bin/run'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await fsp.stat(path.join(dest, 'copy'))).ino).toBe(
      (await fsp.stat(path.join(dest, 'bin/run'))).ino,
    );
    expect((await fsp.stat(path.join(dest, 'ro'))).mode & 0o777).toBe((0o755 & 0o555) | 0o700);
    expect((await fsp.stat(path.join(dest, 'ro/f'))).mode & 0o777).toBe(0o444);
  });

  it('round-trips packDirectory → gzip → extractTar, skipping fifos and keeping symlinks', async () => {
    const src = path.join(tmp, 'src');
    await fsp.mkdir(path.join(src, 'lib/deep'), { recursive: true });
    await fsp.writeFile(path.join(src, 'server.js'), 'console.log(1)\n');
    await fsp.writeFile(path.join(src, 'lib/deep/data.bin'), Buffer.alloc(100_000, 7));
    await fsp.writeFile(path.join(src, 'run.sh'), 'echo hi\n', { mode: 0o755 });
    await fsp.symlink('lib/deep/data.bin', path.join(src, 'link'));
    await fsp.symlink('/etc/passwd', path.join(src, 'abs-link')); // stored, refused on extraction
    execFileSync('mkfifo', [path.join(src, 'fifo')]);

    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (c: Buffer) => chunks.push(c));
    const { entries } = await packDirectory(src, out, { gzip: true });
    expect(entries).toBe(7); // lib/, lib/deep/, data.bin, server.js, run.sh, link, abs-link
    const tgz = Buffer.concat(chunks);
    expect(tgz[0]).toBe(0x1f);
    expect(zlib.gunzipSync(tgz).includes(Buffer.from('./'))).toBe(false); // no "./" prefixes

    await expect(extractTar(Readable.from([tgz]), dest)).rejects.toMatchObject({
      code: 'PLT_UNSAFE_ARCHIVE',
    });

    await fsp.rm(path.join(src, 'abs-link'));
    await fsp.rm(dest, { recursive: true, force: true });
    const again: Buffer[] = [];
    const out2 = new PassThrough();
    out2.on('data', (c: Buffer) => again.push(c));
    await packDirectory(src, out2, { gzip: true, prefix: 'app', mtime: new Date(0) });
    const result = await extractTar(Readable.from([Buffer.concat(again)]), dest);
    expect(result.bytes).toBe(15 + 100_000 + 8);
    expect(await fsp.readFile(path.join(dest, 'app/server.js'), 'utf8')).toBe('console.log(1)\n');
    expect((await fsp.stat(path.join(dest, 'app/run.sh'))).mode & 0o777).toBe(0o755);
    expect(await fsp.readlink(path.join(dest, 'app/link'))).toBe('lib/deep/data.bin');
    expect(fs.existsSync(path.join(dest, 'app/fifo'))).toBe(false);
  });

  it('packs reproducibly with a fixed mtime', async () => {
    const src = path.join(tmp, 'src');
    await fsp.mkdir(src);
    await fsp.writeFile(path.join(src, 'a'), 'a');
    const packOnce = async (): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      const out = new PassThrough();
      out.on('data', (c: Buffer) => chunks.push(c));
      await packDirectory(src, out, { gzip: true, mtime: new Date(0) });
      return Buffer.concat(chunks);
    };
    const first = await packOnce();
    await fsp.utimes(path.join(src, 'a'), new Date(), new Date(Date.now() + 5000));
    expect((await packOnce()).equals(first)).toBe(true);
  });

  it('compresses at the gzip level asked for, and the archive holds the same entries', async () => {
    const src = path.join(tmp, 'src');
    await fsp.mkdir(src);
    await fsp.writeFile(path.join(src, 'text'), 'the same words again and again, '.repeat(20_000));
    const packAt = async (gzipLevel?: number): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      const out = new PassThrough();
      out.on('data', (c: Buffer) => chunks.push(c));
      await packDirectory(src, out, { gzip: true, mtime: new Date(0), ...(gzipLevel === undefined ? {} : { gzipLevel }) });
      return Buffer.concat(chunks);
    };
    const [fast, standard, best] = [await packAt(1), await packAt(), await packAt(9)];
    // RFC 1952 XFL (byte 8): 4 = the fastest algorithm, 2 = maximum compression; zlib writes 0 for the levels between.
    expect([fast[8], standard[8], best[8]]).toEqual([4, 0, 2]);
    expect(zlib.gunzipSync(fast).equals(zlib.gunzipSync(standard))).toBe(true);
    expect(zlib.gunzipSync(best).equals(zlib.gunzipSync(standard))).toBe(true);
  });
});

describe('safeJoin', () => {
  it('joins inside the root and refuses to leave it', () => {
    expect(safeJoin('/srv/slugs', 'abc.tgz')).toBe('/srv/slugs/abc.tgz');
    expect(safeJoin('/srv/slugs', 'a', '..', 'b')).toBe('/srv/slugs/b');
    expect(safeJoin('/srv/slugs', '..foo')).toBe('/srv/slugs/..foo');
    expect(() => safeJoin('/srv/slugs', '../etc/passwd')).toThrow(
      expect.objectContaining({ code: 'PLT_UNSAFE_PATH' }),
    );
    expect(() => safeJoin('/srv/slugs', '/etc/passwd')).toThrow(
      expect.objectContaining({ code: 'PLT_UNSAFE_PATH' }),
    );
    expect(() => safeJoin('/srv/slugs', 'a\0b')).toThrow(
      expect.objectContaining({ code: 'PLT_UNSAFE_PATH' }),
    );
  });
});
