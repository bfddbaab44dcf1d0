import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

/**
 * Reads one regular file from a gzip'd tar (a slug) without extracting anything: the first entry whose name is
 * one of `names` (compared without a leading `./`), as UTF-8 text, or null when there is none. Symlinks and
 * other entry types are not followed or read. An entry over `maxBytes` (default 64 KiB) is treated as absent.
 *
 *   const appJson = await readTarEntry('/data/slugs/<sha256>.tgz', ['app.json']);
 */
export async function readTarEntry(tgzPath: string, names: readonly string[], maxBytes = 64 * 1024): Promise<string | null> {
  const wanted = new Set(names.map((n) => n.replace(/^\.\//, '')));
  const extract = tar.extract();
  let found: string | null = null;
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (found === null && header.type === 'file' && wanted.has(name) && (header.size ?? 0) <= maxBytes) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        found = Buffer.concat(chunks).toString('utf8');
        next();
      });
    } else {
      stream.on('end', () => next());
      stream.resume();
    }
  });
  await pipeline(createReadStream(tgzPath), createGunzip(), extract);
  return found;
}
