import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { buildFailed, envDirFiles } from '@platform/builder-kit';
import { symlinkProblem } from '@platform/archive';
import { PlatformError } from '@platform/types';

/** Where things live inside the build container. */
export const PATHS = {
  build: '/app',
  platform: '/platform',
  buildpacks: '/platform/buildpacks',
  cache: '/platform/cache',
  sharedCache: '/platform/shared-cache',
  env: '/platform/env',
  home: '/platform/home',
  out: '/platform/out',
  releaseOut: '/platform/out/release.yml',
  caCertificates: '/platform/ca-certificates.crt',
} as const;

export interface ContextOptions {
  /** Owner of everything the build may write: the stack's dyno user. */
  owner: { uid: number; gid: number };
  /** Config vars: one 0600 file per key in ENV_DIR. */
  env: Readonly<Record<string, string>>;
  maxBytes: number;
  maxEntries: number;
  /** PEM bundle written read-only to PATHS.caCertificates (root-owned). */
  caCertificates?: Buffer | undefined;
}

/**
 * Writes the build context as one tar for `putArchive` at `/`: the writable platform dirs
 * (ENV_DIR with one file per config var, HOME, the release output dir), then the pushed source
 * under `app/`. Everything is owned by the build user. The source is re-packed entry by entry:
 * only files, directories and symlinks; names that stay inside /app; nothing below a symlink the
 * archive itself created (the engine extracts as root, so `link -> /etc` then `link/x` must not pass).
 */
export async function packBuildContext(source: Readable, output: Writable, options: ContextOptions): Promise<void> {
  const pack = tar.pack();
  const packed = pipeline(pack, output);
  packed.catch(() => {}); // observed below
  const { uid, gid } = options.owner;
  const base = { uid, gid, uname: '', gname: '', mtime: new Date() };
  const add = (header: Partial<tar.Header> & { name: string }, body: string | Buffer = ''): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ ...base, ...header }, body, (err) => (err ? reject(err) : resolve())));

  try {
    for (const dir of [PATHS.env, PATHS.home, PATHS.out]) {
      await add({ name: `${dir.slice(1)}/`, type: 'directory', mode: 0o700 });
    }
    for (const [key, value] of envDirFiles(options.env)) {
      await add({ name: `${PATHS.env.slice(1)}/${key}`, type: 'file', mode: 0o600 }, value);
    }
    if (options.caCertificates) {
      await add({ name: PATHS.caCertificates.slice(1), type: 'file', mode: 0o644, uid: 0, gid: 0 }, options.caCertificates);
    }
    await add({ name: 'app/', type: 'directory', mode: 0o755 });
    await repackSource(source, pack, base, options);
    pack.finalize();
    await packed;
  } catch (err) {
    pack.destroy(err as Error);
    await packed.catch(() => {});
    throw err;
  }
}

async function repackSource(
  source: Readable,
  pack: tar.Pack,
  base: Partial<tar.Header>,
  options: ContextOptions,
): Promise<void> {
  const extract = tar.extract();
  const symlinks = new Set<string>();
  let bytes = 0;
  let entries = 0;
  extract.on('entry', (header, stream, next) => {
    const fail = (err: Error) => {
      stream.resume();
      extract.destroy(err);
    };
    stream.on('error', () => {}); // reported through `extract`
    const type = header.type ?? 'file';
    const name = relativeName(header.name);
    if (name === null) return fail(unsafe(header.name, 'its path leaves the app directory'));
    if (name === '.') return stream.resume().once('end', () => next());
    if (!['file', 'directory', 'symlink'].includes(type)) return fail(unsafe(header.name, `${type} entries are not allowed`));
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (symlinks.has(parts.slice(0, i).join('/'))) return fail(unsafe(header.name, 'its path passes through a symlink'));
    }
    if (++entries > options.maxEntries) return fail(buildFailed(`The source has more than ${options.maxEntries} entries.`));
    bytes += header.size ?? 0;
    if (bytes > options.maxBytes) return fail(buildFailed(`The source is larger than ${options.maxBytes} bytes.`));
    if (type === 'symlink') {
      // The rule every extraction applies (process-mode builds too): a link leaving the app is refused here, in
      // the user's terms, rather than by the engine when the release image is made.
      const problem = symlinkProblem(name, header.linkname ?? '');
      if (problem) return fail(unsafe(header.name, problem));
      symlinks.add(name);
    }
    const out = pack.entry(
      {
        ...base,
        name: type === 'directory' ? `app/${name}/` : `app/${name}`,
        type,
        mode: (header.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o777,
        mtime: header.mtime ?? new Date(0),
        ...(type === 'file' ? { size: header.size ?? 0 } : {}),
        ...(type === 'symlink' ? { linkname: header.linkname ?? '' } : {}),
      },
      (err) => (err ? extract.destroy(err) : next()),
    );
    stream.pipe(out);
  });
  try {
    await pipeline(source, extract);
  } catch (err) {
    if (err instanceof PlatformError) throw err;
    throw buildFailed(`Could not unpack the source: ${(err as Error).message}`, err);
  }
}

/** Normalised name relative to the archive root; null when absolute, climbing out, or holding NUL. */
export function relativeName(raw: string): string | null {
  if (raw.includes('\0') || raw.startsWith('/')) return null;
  const normal = path.posix.normalize(raw).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) return null;
  return normal === '' ? '.' : normal;
}

function unsafe(name: string, why: string): PlatformError {
  return buildFailed(`Could not unpack the source: entry ${JSON.stringify(name)} refused (${why}).`);
}
