import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface PackOptions {
  gzip?: boolean;
  /** zlib's compression level with `gzip` (0–9; default zlib's own, 6). */
  gzipLevel?: number;
  /** Prepended to every name (e.g. `app` → `app/server.js`); its directory entry is written first. */
  prefix?: string;
  /** Fixed mtime for every entry, for reproducible archives (default: each file's own mtime). */
  mtime?: Date;
  /** Relative paths (posix, as stored) to leave out, e.g. from `.slugignore`. Directories prune their subtree. */
  exclude?: (relPath: string, isDirectory: boolean) => boolean;
}

/**
 * Writes a tar of `dir`'s contents to `output`. Names are relative with no leading `./`
 * (directories end in `/`), sorted, owned by 0:0. Symlinks are stored as symlinks (never
 * followed); sockets, fifos and devices are skipped.
 *
 *   await packDirectory('/tmp/build', fs.createWriteStream('slug.tgz'), { gzip: true });
 */
export async function packDirectory(
  dir: string,
  output: Writable,
  options: PackOptions = {},
): Promise<{ entries: number }> {
  const pack = tar.pack();
  const gzip = () => zlib.createGzip(options.gzipLevel === undefined ? {} : { level: options.gzipLevel });
  const done = options.gzip ? pipeline(pack, gzip(), output) : pipeline(pack, output);
  done.catch(() => {}); // observed below
  let entries = 0;
  const prefix = (options.prefix ?? '').split('/').filter(Boolean).join('/');
  const base = { uid: 0, gid: 0, uname: '', gname: '' };

  const add = (header: Partial<tar.Header> & { name: string }, body?: Buffer | string): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry({ ...base, ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });

  const walk = async (relDir: string): Promise<void> => {
    const names = (await fsp.readdir(path.join(dir, relDir))).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = path.join(dir, rel);
      const st = await fsp.lstat(abs);
      const stored = prefix ? `${prefix}/${rel}` : rel;
      const mtime = options.mtime ?? st.mtime;
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        if (options.exclude?.(rel, true)) continue;
        await add({ name: `${stored}/`, type: 'directory', mode, mtime });
        entries++;
        await walk(rel);
      } else if (st.isSymbolicLink()) {
        if (options.exclude?.(rel, false)) continue;
        await add({ name: stored, type: 'symlink', linkname: await fsp.readlink(abs), mode, mtime });
        entries++;
      } else if (st.isFile()) {
        if (options.exclude?.(rel, false)) continue;
        // O_NOFOLLOW: the file could have been swapped for a symlink since lstat.
        const fh = await fsp.open(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry(
            { ...base, name: stored, type: 'file', size: st.size, mode, mtime },
            (err) => (err ? reject(err) : resolve()),
          );
          const source = fh.createReadStream();
          source.on('error', reject);
          source.pipe(sink);
        });
        entries++;
      }
      // sockets, fifos, devices: skipped
    }
  };

  try {
    if (prefix) {
      await add({ name: `${prefix}/`, type: 'directory', mode: 0o755, mtime: options.mtime ?? new Date() });
      entries++;
    }
    await walk('');
    pack.finalize();
    await done;
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => {});
    throw err;
  }
  return { entries };
}
