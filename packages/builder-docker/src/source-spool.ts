import { createReadStream, createWriteStream } from 'node:fs';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { appFileProblem, buildFailed, formatSize } from '@platform/builder-kit';

/**
 * The pushed source kept in a file for the length of one build (0600, in the build's temp dir): the builder reads
 * `heroku.yml` before it knows which build to run, and a Dockerfile build may start after a buildpack detection
 * found nothing. The source is taken whole at once, so its producer never waits on (nor loses bytes to) a late
 * reader.
 */
export interface SpooledSource {
  /** A new tar stream of the whole source. */
  open(): Readable;
  /**
   * A regular file of the tree (`heroku.yml`, `api/Dockerfile`), or null when absent. Throws PLT_BUILD_FAILED with
   * `appFileProblem`'s message for a symlink, a non-file or a file over `maxBytes`.
   */
  readFile(name: string, maxBytes: number): Promise<string | null>;
  /**
   * The tar of directory `dir` of the tree ('' for the root) with names relative to it: a Dockerfile build's
   * context (Heroku's: the Dockerfile's directory).
   */
  context(dir: string): Readable;
}

/** `./a/b` and `a/b/` → `a/b` (git archive and tar write names differently). */
const entryName = (name: string): string => name.replace(/^(?:\.\/)+/, '').replace(/\/+$/, '');

/** Spools `source` to `file` (refusing more than `maxBytes`). Throws PLT_BUILD_FAILED when it is too large. */
export async function spoolSource(source: Readable, file: string, maxBytes: number): Promise<SpooledSource> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(buildFailed(`The source is larger than ${formatSize(maxBytes)}.`));
      done(null, chunk);
    },
  });
  await pipeline(source, limit, createWriteStream(file, { mode: 0o600 }));
  return {
    open: () => createReadStream(file),
    readFile: (name, max) => readFile(file, name, max),
    context: (dir) => subTree(file, dir),
  };
}

async function readFile(file: string, wanted: string, maxBytes: number): Promise<string | null> {
  let found: string | null = null;
  let problem: string | null = null;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    if (entryName(header.name) !== wanted || header.type === 'directory') {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const kind = header.type === 'file' ? 'file' : header.type === 'symlink' ? 'symlink' : 'other';
    problem = appFileProblem(wanted, { kind, size: header.size ?? 0 }, maxBytes);
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      if (problem === null) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (problem === null) found = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  await pipeline(createReadStream(file), extract);
  if (problem !== null) throw buildFailed(problem);
  return found;
}

function subTree(file: string, dir: string): Readable {
  if (dir === '') return createReadStream(file);
  const prefix = `${dir}/`;
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    const name = entryName(header.name);
    if (!name.startsWith(prefix)) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const renamed = { ...header, name: name.slice(prefix.length) + (header.type === 'directory' ? '/' : '') };
    stream.pipe(pack.entry(renamed, (err) => next(err ?? undefined)));
  });
  extract.on('finish', () => pack.finalize());
  const out = new PassThrough();
  pipeline(createReadStream(file), extract).catch((err: Error) => out.destroy(err));
  pipeline(pack, out).catch(() => {});
  return out;
}
