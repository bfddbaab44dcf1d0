import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packDirectory, safeJoin } from '@platform/archive';
import type { SlugExclude } from './slugignore.ts';

export interface StoredSlug {
  /** Absolute path: `<slugsDir>/<sha256>.tgz`. */
  path: string;
  /** sha256 hex of the file. */
  checksum: string;
  size: number;
}

/** Slug entries all carry this mtime, so the same tree always yields the same bytes (and file). */
export const SLUG_MTIME = new Date('2000-01-01T00:00:00Z');

/**
 * Slugs are gzip'd at zlib level 1: on a Node.js app's slug (~160 MB, mostly Node.js itself) level 1 packs in about
 * 40% of level 6's time for ~13% more bytes (`npm run bench -- --only=slug`). Every deploy packs a slug, and the
 * bytes only travel on this host; dyno starts gunzip either level at the same speed.
 */
export const SLUG_GZIP_LEVEL = 1;

/**
 * Stores a gzip'd tar stream content-addressed: written to a temp file in `slugsDir` while hashed,
 * then renamed to `<sha256>.tgz` (an existing file with that name already holds these bytes).
 * With `maxBytes`, a larger stream is refused (PLT_BUILD_FAILED) and nothing is kept.
 */
export async function storeSlug(
  slugsDir: string,
  input: Readable,
  options: { maxBytes?: number } = {},
): Promise<StoredSlug> {
  await fsp.mkdir(slugsDir, { recursive: true });
  const tmp = safeJoin(slugsDir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}.tgz`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (options.maxBytes !== undefined && size > options.maxBytes) {
        return cb(new SlugTooLargeError(options.maxBytes));
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(input, meter, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    const checksum = hash.digest('hex');
    const final = path.join(path.resolve(slugsDir), `${checksum}.tgz`);
    await fsp.rename(tmp, final);
    return { path: final, checksum, size };
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

export class SlugTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Compiled slug is too large (max is ${formatSize(maxBytes)}).`);
  }
}

/** Packs `buildDir` as a reproducible gzip'd tar and stores it with storeSlug. */
export async function packSlug(
  buildDir: string,
  slugsDir: string,
  options: { maxBytes?: number; exclude?: SlugExclude | undefined } = {},
): Promise<StoredSlug> {
  const pass = new PassThrough();
  const packing = packDirectory(buildDir, pass, {
    gzip: true,
    gzipLevel: SLUG_GZIP_LEVEL,
    mtime: SLUG_MTIME,
    ...(options.exclude ? { exclude: options.exclude } : {}),
  });
  const storing = storeSlug(
    slugsDir,
    pass,
    options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
  );
  // If storing fails first, the pack side sees its output destroyed; report the storing error.
  const [packed, stored] = await Promise.allSettled([packing, storing]);
  if (stored.status === 'rejected') throw stored.reason;
  if (packed.status === 'rejected') {
    await fsp.rm(stored.value.path, { force: true });
    throw packed.reason;
  }
  return stored.value;
}

/** Heroku-style size: `12.3M`, `512.0K`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}K`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)}M`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)}G`;
}
