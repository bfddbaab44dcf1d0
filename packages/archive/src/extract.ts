import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { PlatformError, ErrorCodes, isPlatformError } from '@platform/types';
import { createMaybeGunzip } from './maybe-gunzip.ts';

export interface ExtractOptions {
  /** Cap on the sum of regular-file sizes. */
  maxBytes?: number;
  /** Cap on the number of entries. */
  maxEntries?: number;
  /** chown every extracted entry to this uid/gid (lchown for symlinks). */
  uid?: number;
  gid?: number;
}

export interface ExtractResult {
  entries: number;
  bytes: number;
}

const WRITE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** The body of one entry (a streamx Readable inside tar-stream). */
type EntryStream = AsyncIterable<Buffer> & { resume(): unknown };

function unsafe(entry: string, reason: string): PlatformError {
  return new PlatformError(
    ErrorCodes.unsafeArchive,
    `Unsafe archive entry ${JSON.stringify(entry)}: ${reason}.`,
    {
      details: { entry },
    },
  );
}

/** Splits a member name into components; '' for the archive root. Refuses absolute and `..`. */
function memberParts(name: string): string[] {
  if (name.includes('\0')) throw unsafe(name, 'name contains a NUL byte');
  if (name.startsWith('/')) throw unsafe(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(name, 'path contains a ".." component');
  return parts;
}

async function lstatOrNull(file: string): Promise<fs.Stats | null> {
  try {
    return await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * An extraction in progress. `realDirs` caches directories already checked to be real
 * directories: once a path is a directory we never replace it with a non-directory, so the
 * cache stays true for the whole extraction.
 */
class Extraction {
  readonly realDirs = new Set<string>();
  readonly dirModes: Array<[string, number]> = [];
  entries = 0;
  bytes = 0;

  constructor(
    readonly root: string,
    readonly options: ExtractOptions,
  ) {}

  /** Walks the parents of `parts`, creating missing ones; refuses symlinks and non-directories. */
  async ensureParents(name: string, parts: string[], create: boolean): Promise<void> {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.realDirs.has(rel)) continue;
      const abs = path.join(this.root, rel);
      const st = await lstatOrNull(abs);
      if (st === null) {
        if (!create) throw unsafe(name, `"${rel}" does not exist`);
        await fsp.mkdir(abs, { mode: 0o755 });
        await this.chown(abs, false);
      } else if (st.isSymbolicLink()) {
        throw unsafe(name, `path passes through the symlink "${rel}"`);
      } else if (!st.isDirectory()) {
        throw unsafe(name, `path passes through the non-directory "${rel}"`);
      }
      this.realDirs.add(rel);
    }
  }

  /** Clears the way for a non-directory at `abs` (never follows a symlink: unlink removes the link). */
  async clearForNonDir(name: string, abs: string): Promise<void> {
    const st = await lstatOrNull(abs);
    if (st === null) return;
    if (st.isDirectory()) throw unsafe(name, 'would replace a directory');
    await fsp.unlink(abs);
  }

  async chown(abs: string, isLink: boolean): Promise<void> {
    const { uid, gid } = this.options;
    if (uid === undefined && gid === undefined) return;
    const u = uid ?? -1;
    const g = gid ?? -1;
    if (isLink) await fsp.lchown(abs, u, g);
    else await fsp.chown(abs, u, g);
  }

  async entry(header: tar.Header, stream: EntryStream): Promise<void> {
    const name = header.name;
    this.entries++;
    if (this.options.maxEntries !== undefined && this.entries > this.options.maxEntries) {
      throw unsafe(name, `more than ${this.options.maxEntries} entries`);
    }
    const parts = memberParts(name);
    const rel = parts.join('/');
    const abs = path.join(this.root, rel);
    const mode = (header.mode ?? 0o644) & 0o777; // drops setuid, setgid, sticky
    const type = header.type ?? 'file';

    if (type !== 'file' && type !== 'contiguous-file') stream.resume();
    if (rel === '') {
      if (type === 'directory') return; // "./" itself
      throw unsafe(name, 'entry names the archive root');
    }
    await this.ensureParents(name, parts, true);

    switch (type) {
      case 'directory':
        return this.directory(rel, abs, mode);
      case 'file':
      case 'contiguous-file':
        return this.file(name, abs, mode, header.size ?? 0, stream);
      case 'symlink':
        return this.symlink(name, abs, header.linkname ?? '');
      case 'link':
        return this.hardlink(name, abs, header.linkname ?? '');
      default:
        throw unsafe(name, `entry type ${type} is not allowed`);
    }
  }

  async directory(rel: string, abs: string, mode: number): Promise<void> {
    const st = await lstatOrNull(abs);
    if (st !== null && !st.isDirectory()) await fsp.unlink(abs); // a symlink or file gives way
    if (st === null || !st.isDirectory()) await fsp.mkdir(abs, { mode: 0o755 });
    await this.chown(abs, false);
    this.realDirs.add(rel);
    // Applied at the end (deepest first) so a read-only directory can still be filled;
    // the owner keeps rwx so the tree can be cleaned up.
    this.dirModes.push([abs, mode | 0o700]);
  }

  async file(name: string, abs: string, mode: number, size: number, stream: EntryStream): Promise<void> {
    const max = this.options.maxBytes;
    if (max !== undefined && this.bytes + size > max) throw unsafe(name, `archive exceeds ${max} bytes`);
    await this.clearForNonDir(name, abs);
    const fh = await fsp.open(abs, WRITE_FLAGS, 0o600);
    try {
      for await (const chunk of stream) {
        this.bytes += chunk.length;
        if (max !== undefined && this.bytes > max) throw unsafe(name, `archive exceeds ${max} bytes`);
        await fh.write(chunk);
      }
      await fh.chmod(mode);
      const { uid, gid } = this.options;
      if (uid !== undefined || gid !== undefined) await fh.chown(uid ?? -1, gid ?? -1);
    } finally {
      await fh.close();
    }
  }

  async symlink(name: string, abs: string, target: string): Promise<void> {
    const problem = symlinkProblem(path.relative(this.root, abs).split(path.sep).join('/'), target);
    if (problem) throw unsafe(name, problem);
    await this.clearForNonDir(name, abs);
    await fsp.symlink(target, abs);
    await this.chown(abs, true);
  }

  async hardlink(name: string, abs: string, target: string): Promise<void> {
    // Hard link names are archive-relative, not relative to the link.
    let targetParts: string[];
    try {
      targetParts = memberParts(target);
    } catch {
      throw unsafe(name, `hard link target ${target} points outside the archive`);
    }
    if (targetParts.length === 0) throw unsafe(name, 'hard link to the archive root');
    await this.ensureParents(name, targetParts, false);
    const targetAbs = path.join(this.root, targetParts.join('/'));
    const st = await lstatOrNull(targetAbs);
    if (st === null || !st.isFile())
      throw unsafe(name, `hard link target ${target} is not a file extracted earlier`);
    if (targetAbs === abs) return;
    await this.clearForNonDir(name, abs);
    await fsp.link(targetAbs, abs);
  }

  async finish(): Promise<void> {
    for (const [dir, mode] of this.dirModes.reverse()) await fsp.chmod(dir, mode);
  }
}

/**
 * Extracts a tar (plain or gzip'd, detected by magic bytes) into `destDir`, contained: see README.
 *
 *   await extractTar(fs.createReadStream('slug.tgz'), '/tmp/app', { maxBytes: 1 << 30 });
 */
export async function extractTar(
  input: NodeJS.ReadableStream | Readable,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  // Attach to the input before the first await: Node resumes (and so discards) the stdout of a
  // child process that has exited while nobody listened, e.g. a fast `git archive`.
  const extract = tar.extract();
  const piping = pipeline(input as Readable, createMaybeGunzip(), extract);
  piping.catch(() => {}); // observed below; avoid an unhandled rejection when the loop fails first
  // Subscribe to entries now too: tar-stream drops 'entry' events nobody listens to.
  const entries = extract[Symbol.asyncIterator]() as AsyncIterableIterator<{ header: tar.Header }>;
  let job: Extraction;
  try {
    await fsp.mkdir(destDir, { recursive: true });
    job = new Extraction(await fsp.realpath(destDir), options);
  } catch (err) {
    extract.destroy();
    throw err;
  }
  try {
    for await (const entry of entries) {
      await job.entry(entry.header, entry as unknown as EntryStream);
    }
    await piping;
    await job.finish();
  } catch (err) {
    extract.destroy();
    if (typeof (input as Readable).destroy === 'function') (input as Readable).destroy();
    if (isPlatformError(err)) throw err;
    throw new PlatformError('PLT_INVALID_ARCHIVE', `Could not read the archive: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { entries: job.entries, bytes: job.bytes };
}

/**
 * Why a symlink entry `name` (a relative path inside the archive, `/`-separated) → `target` may not be stored,
 * or null when it may: the target must be relative, non-empty, without NUL, of the shape `../../a/b` (a `..` after
 * a name would be resolved by the kernel through that name, which may itself be a symlink), and land inside the
 * archive. The one rule for every extraction and build context.
 *
 *   symlinkProblem('app/evil', '../../etc/passwd') → 'symlink target ../../etc/passwd points outside the archive'
 */
export function symlinkProblem(name: string, target: string): string | null {
  if (target === '' || target.includes('\0')) return 'symlink has an invalid target';
  if (path.posix.isAbsolute(target)) return `symlink target ${target} is absolute`;
  const comps = target.split('/').filter((p) => p !== '' && p !== '.');
  const firstName = comps.findIndex((c) => c !== '..');
  if (firstName >= 0 && comps.slice(firstName).includes('..')) return `symlink target ${target} has ".." after a name`;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
  if (resolved === '..' || resolved.startsWith('../')) return `symlink target ${target} points outside the archive`;
  return null;
}
