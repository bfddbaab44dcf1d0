import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import {
  APP_FILE_MAX_BYTES,
  SLUG_GZIP_LEVEL,
  SLUG_MTIME,
  SlugTooLargeError,
  appFileProblem,
  buildFailed,
  storeSlug,
  type SlugExclude,
  type StoredSlug,
} from '@platform/builder-kit';
import { relativeName } from './build-context.ts';

/**
 * Reads the regular files of `dir` (not recursive) from a container: name → content.
 * Symlinks and other types are reported as `null` so the caller can refuse them.
 */
export async function readContainerFiles(
  container: Docker.Container,
  dir: string,
  maxBytes = APP_FILE_MAX_BYTES,
): Promise<Map<string, string | null>> {
  const files = new Map<string, string | null>();
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: dir });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return files;
    throw err;
  }
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const parts = header.name.replace(/\/+$/, '').split('/');
    const name = parts.slice(1).join('/');
    if (parts.length !== 2 || header.type !== 'file' || (header.size ?? 0) > maxBytes) {
      if (parts.length === 2) files.set(name, null);
      stream.resume().once('end', () => next());
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.once('end', () => {
      files.set(name, Buffer.concat(chunks).toString('utf8'));
      next();
    });
  });
  await pipeline(archive as Readable, extract);
  return files;
}

/**
 * Reads one file of the built app (e.g. `Procfile`); null when absent. The file must be a regular
 * file: a symlink is refused, never followed (docker's archive of a path does not follow its last part).
 */
export async function readAppFile(container: Docker.Container, appDir: string, name: string): Promise<string | null> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: `${appDir}/${name}` });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
  let content: string | null = null;
  let problem: string | null = null;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    if (content === null && problem === null) {
      const kind = header.type === 'symlink' ? 'symlink' : header.type === 'file' ? 'file' : 'other';
      problem = appFileProblem(name, { kind, size: header.size ?? 0 });
    }
    if (problem !== null || content !== null) return stream.resume().once('end', () => next());
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.once('end', () => {
      content = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  await pipeline(archive as Readable, extract);
  if (problem !== null) throw buildFailed(problem);
  return content;
}

/**
 * Streams the container's built app dir into a content-addressed slug: names relative to /app (no
 * `./`, directories ending in `/`), owned by 0:0, one fixed mtime, so the same tree gives the same
 * file as `packSlug` would. `.slugignore` matches are left out; sockets, fifos and devices skipped.
 */
export async function storeSlugFromContainer(
  container: Docker.Container,
  appDir: string,
  slugsDir: string,
  options: { maxBytes: number; exclude?: SlugExclude | undefined },
): Promise<StoredSlug> {
  const archive = (await container.getArchive({ path: appDir })) as Readable;
  const top = appDir.split('/').filter(Boolean).pop()!;
  const extract = tar.extract();
  const pack = tar.pack();
  const gzipped = new PassThrough();
  const packing = pipeline(pack, zlib.createGzip({ level: SLUG_GZIP_LEVEL }), gzipped);
  packing.catch(() => {});
  const storing = storeSlug(slugsDir, gzipped, { maxBytes: options.maxBytes });
  storing.catch(() => {});
  const excludedDirs: string[] = [];

  extract.on('entry', (header, stream, next) => {
    stream.on('error', () => {});
    const skip = () => stream.resume().once('end', () => next());
    const full = relativeName(header.name);
    if (full === null || (full !== top && !full.startsWith(`${top}/`))) {
      stream.resume();
      extract.destroy(buildFailed(`Unexpected entry ${JSON.stringify(header.name)} in the built app.`));
      return;
    }
    if (full === top) return skip();
    const rel = full.slice(top.length + 1);
    const type = header.type ?? 'file';
    const isDir = type === 'directory';
    if (excludedDirs.some((d) => rel.startsWith(`${d}/`))) return skip();
    if (options.exclude?.(rel, isDir)) {
      if (isDir) excludedDirs.push(rel);
      return skip();
    }
    let linkname: string | undefined;
    if (type === 'symlink') linkname = header.linkname ?? '';
    else if (type === 'link') {
      // Hard link names are archive-relative: strip the top directory like the entry names.
      const target = relativeName(header.linkname ?? '');
      if (target === null || !target.startsWith(`${top}/`)) return skip();
      linkname = target.slice(top.length + 1);
    } else if (type !== 'file' && type !== 'directory') return skip();
    const out = pack.entry(
      {
        name: isDir ? `${rel}/` : rel,
        type,
        mode: (header.mode ?? (isDir ? 0o755 : 0o644)) & 0o1777,
        mtime: SLUG_MTIME,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        ...(type === 'file' ? { size: header.size ?? 0 } : {}),
        ...(linkname !== undefined ? { linkname } : {}),
      },
      (err) => (err ? extract.destroy(err) : next()),
    );
    stream.pipe(out);
  });

  let readError: unknown = null;
  try {
    await pipeline(archive, extract);
    pack.finalize();
  } catch (err) {
    readError = err;
    pack.destroy(err as Error);
  }
  const [packed, stored] = await Promise.allSettled([packing, storing]);
  // A slug that is too large stops the read too: its error explains more than the read's.
  if (stored.status === 'rejected' && (readError === null || stored.reason instanceof SlugTooLargeError)) throw stored.reason;
  if (readError !== null) throw readError;
  if (stored.status === 'rejected') throw stored.reason;
  if (packed.status === 'rejected') throw packed.reason;
  return stored.value;
}
