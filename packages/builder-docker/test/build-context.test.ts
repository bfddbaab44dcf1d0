import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { packBuildContext } from '../src/build-context.ts';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'fifo'; body?: string; linkname?: string };

function sourceOf(entries: Entry[]): Readable {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) }, e.body ?? '');
  pack.finalize();
  return pack as unknown as Readable;
}

async function contextOf(entries: Entry[], env: Record<string, string> = {}) {
  const out = new PassThrough();
  const seen: Array<{ name: string; uid: number; mode: number; body: string }> = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.once('end', () => {
      seen.push({ name: header.name, uid: header.uid ?? -1, mode: header.mode ?? 0, body: Buffer.concat(chunks).toString() });
      next();
    });
  });
  const read = pipeline(out, extract);
  read.catch(() => {});
  await packBuildContext(sourceOf(entries), out, { owner: { uid: 1000, gid: 1000 }, env, maxBytes: 1024, maxEntries: 10 });
  await read;
  return seen;
}

describe('packBuildContext', () => {
  it('puts config vars in ENV_DIR files and the source under app/, all owned by the build user', async () => {
    const seen = await contextOf([{ name: './server.js', body: 'x' }, { name: 'lib/', type: 'directory' }], { API_KEY: 'v1' });
    expect(seen.map((e) => e.name)).toEqual([
      'platform/env/', 'platform/home/', 'platform/out/', 'platform/env/API_KEY', 'app/', 'app/server.js', 'app/lib/',
    ]);
    const key = seen.find((e) => e.name === 'platform/env/API_KEY')!;
    expect(key).toMatchObject({ uid: 1000, mode: 0o600, body: 'v1' });
    expect(seen.every((e) => e.uid === 1000)).toBe(true);
  });

  it.each<[string, Entry[]]>([
    ['a path climbing out', [{ name: '../etc/passwd' }]],
    ['an absolute path', [{ name: '/etc/passwd' }]],
    ['a file below a symlink of the archive', [{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd' }]],
    ['a fifo', [{ name: 'f', type: 'fifo' }]],
    ['too many entries', Array.from({ length: 11 }, (_, i) => ({ name: `f${i}` }))],
    ['too many bytes', [{ name: 'big', body: 'x'.repeat(2000) }]],
  ])('refuses %s with PLT_BUILD_FAILED', async (_what, entries) => {
    await expect(contextOf(entries)).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED' });
  });

  it('refuses an invalid config var name', async () => {
    await expect(contextOf([], { 'BAD-KEY': 'x' })).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED' });
  });
});
