import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { APP_NAME_RE, ErrorCodes, PlatformError } from '@platform/types';
import type { BuilderLogger } from '@platform/builder-kit';
import { dockerError, isNotFound } from '@platform/docker-kit';

export interface CreateReleaseImageOptions {
  docker: Docker;
  /** The stack image, e.g. `platform/stack:bookworm-4` (built by scripts/build-stack-image.sh). */
  stackImage: string;
  /** The slug: a (gzip'd) tar of the app's /app directory, names relative to /app. */
  slugPath: string;
  app: string;
  appId: string;
  buildId: string;
  /** Owner of the extracted files: the stack's dyno user. Default 1000:1000. */
  owner?: { uid: number; gid: number } | undefined;
  logger?: BuilderLogger | undefined;
}

/** Docker's tag grammar. */
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Builds `platform/<app>:<buildId>` = stack image + the slug extracted at /app (owned by the dyno
 * user), labelled `platform.app`, `platform.app-id`, `platform.build`. No config goes in: the image
 * keeps the stack's environment and its only history entry is the commit.
 *
 * How: create a (never started) container from the stack, `putArchive` the slug into /app, `commit`.
 * This is faster than `buildImage` with a `FROM stack` + `COPY` context: the files are written once
 * (no build-context upload and staging, no intermediate LABEL container), and no Dockerfile is parsed.
 *
 *   const image = await createReleaseImage({ docker, stackImage: 'platform/stack:latest',
 *     slugPath, app: 'my-app', appId, buildId });   // 'platform/my-app:<buildId>'
 */
export async function createReleaseImage(options: CreateReleaseImageOptions): Promise<string> {
  const { docker, app, appId, buildId } = options;
  if (!APP_NAME_RE.test(app)) throw invalid('app');
  if (!TAG_RE.test(buildId)) throw invalid('buildId');
  if (typeof appId !== 'string' || appId.length === 0 || appId.length > 128) throw invalid('appId');
  const owner = options.owner ?? { uid: 1000, gid: 1000 };
  const repo = `platform/${app}`;
  const image = `${repo}:${buildId}`;
  const started = Date.now();

  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: options.stackImage,
      Labels: { 'platform.app': app, 'platform.app-id': appId, 'platform.build': buildId },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none' },
    });
  } catch (err) {
    if (isNotFound(err)) {
      throw new PlatformError(
        ErrorCodes.runtimeUnavailable,
        `Stack image ${options.stackImage} is missing on this Docker host. Run scripts/build-stack-image.sh.`,
        { cause: err, details: { image: options.stackImage } },
      );
    }
    throw dockerError('create build container', err, { image: options.stackImage });
  }

  try {
    const archive = new PassThrough();
    const rewriting = rewriteSlug(await openSlug(options.slugPath), archive, owner);
    const uploading = container.putArchive(archive, { path: '/app' });
    // A failed rewrite destroys `archive`, which aborts the upload; report the rewrite's error first.
    const [rewrite, upload] = await Promise.allSettled([rewriting, uploading]);
    if (rewrite.status === 'rejected') throw rewrite.reason;
    if (upload.status === 'rejected') throw upload.reason;
    // The container's config (stack Env/Cmd/User + the labels above) becomes the image's config.
    await container.commit({ repo, tag: buildId, comment: `platform build ${buildId}` });
  } catch (err) {
    if (err instanceof PlatformError) throw err;
    throw dockerError('create release image', err, { image });
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
  options.logger?.info({ app, build: buildId, image, ms: Date.now() - started }, 'release image created');
  return image;
}

function invalid(field: string): PlatformError {
  return new PlatformError(ErrorCodes.invalidParams, `Invalid release image input: ${field}.`, {
    details: { field },
  });
}

/** The slug as a plain tar stream (gunzipped when it starts with the gzip magic). */
async function openSlug(slugPath: string): Promise<Readable> {
  const fh = await open(slugPath, 'r');
  const head = Buffer.alloc(2);
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const file = createReadStream(slugPath);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return file;
  const gunzip = zlib.createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

/**
 * Re-packs the slug for the engine: every entry owned by the dyno user, no setuid/setgid bits,
 * only files, directories, symlinks and hard links, names that stay inside /app. (The engine's
 * own extraction is also confined to the container's root; this is the first line.)
 */
async function rewriteSlug(
  source: Readable,
  output: PassThrough,
  owner: { uid: number; gid: number },
): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const packed = pipeline(pack, output);
  packed.catch(() => {});
  extract.on('entry', (header, stream, next) => {
    stream.on('error', () => {}); // a destroyed extract fails its current entry too; reported via `extract`
    const name = safeName(header.name);
    const type = header.type ?? 'file';
    const allowed = ['file', 'directory', 'symlink', 'link'].includes(type);
    if (name === null || !allowed || (name === '.' && type !== 'directory')) {
      stream.resume();
      extract.destroy(unsafe(header.name));
      return;
    }
    if (type === 'link' && safeName(header.linkname ?? '') === null) {
      stream.resume();
      extract.destroy(unsafe(header.name));
      return;
    }
    const out = pack.entry(
      {
        name: type === 'directory' ? `${name}/` : name,
        type,
        mode: (header.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o1777,
        mtime: header.mtime ?? new Date(0),
        uid: owner.uid,
        gid: owner.gid,
        uname: '',
        gname: '',
        ...(type === 'file' ? { size: header.size ?? 0 } : {}),
        ...(type === 'symlink' || type === 'link' ? { linkname: header.linkname ?? '' } : {}),
      },
      (err) => (err ? extract.destroy(err) : next()),
    );
    stream.pipe(out);
  });
  try {
    await pipeline(source, extract);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await packed;
}

/** Normalised relative name, or null when it is absolute, climbs out with `..`, or holds NUL. */
function safeName(raw: string): string | null {
  if (raw.includes('\0') || raw.startsWith('/')) return null;
  const normal = path.posix.normalize(raw).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../') || normal.startsWith('/')) return null;
  return normal === '' || normal === '.' ? '.' : normal;
}

function unsafe(name: string): PlatformError {
  return new PlatformError(ErrorCodes.unsafeArchive, `Slug entry refused: ${JSON.stringify(name)}.`, {
    details: { entry: name },
  });
}
