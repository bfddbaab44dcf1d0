import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractTar, safeJoin } from '@platform/archive';
import {
  PlatformError,
  ErrorCodes,
  isPlatformError,
  isValidConfigKey,
  type Builder,
  type BuildRequest,
  type BuildResult,
} from '@platform/types';
import { sandboxedCommand, type UnixUser } from '@platform/sandbox';
import { describeProcessTypes, resolveProcessTypes } from './process-types.ts';
import { runScript } from './run-script.ts';
import { createSlugIgnore } from './slugignore.ts';
import { formatSize, packSlug, SlugTooLargeError } from './slug.ts';

/** The minimal logger surface we use (pino-compatible). */
export interface BuilderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface LocalBuilderOptions {
  /** Holds `order`, one directory per buildpack and `_runner/build`. */
  buildpacksDir: string;
  /** Root of the build caches; one per app at `<cacheDir>/<appId>`. */
  cacheDir: string;
  /** Content-addressed slugs: `<slugsDir>/<sha256>.tgz`. */
  slugsDir: string;
  /** Temporary build directories (`build_XXXXXX`), removed after each build. */
  workDir: string;
  /** Value of $STACK in the build (default `bookworm`). */
  stack?: string;
  /** Kills the whole build (process group) after this long. Default 15 min. */
  timeoutMs?: number;
  /** Build output beyond this is dropped with one notice; the build continues. Default 4 MiB. */
  outputLimitBytes?: number;
  /** Refuse source trees larger than this (bytes of file data). Default 1 GiB. */
  sourceMaxBytes?: number;
  /** Refuse compressed slugs larger than this. Default 1 GiB (Heroku's limit). */
  slugMaxBytes?: number;
  /**
   * Run buildpacks as this user, or as the user this function gives for the app being built (recommended
   * when the server runs as root: a build-only uid per app, `createAppUsers(…).buildUser`).
   */
  user?: UnixUser | ((appId: string) => Promise<UnixUser>) | undefined;
  /**
   * Run each build in a PID namespace of its own (`@platform/sandbox`; needs root): every process the build
   * starts, a `setsid` daemon included, is gone when it ends, so nothing can change the tree while it is
   * packed. Default false; the server turns it on where `detectSandbox()` says the machine allows it.
   */
  pidNamespace?: boolean;
  logger?: BuilderLogger;
}

const MiB = 1024 * 1024;
const SAFE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function failed(message: string, cause?: unknown): PlatformError {
  return new PlatformError(ErrorCodes.buildFailed, message, cause === undefined ? {} : { cause });
}

/** Reads a regular file from the pushed tree without following a symlink; null when absent. */
async function readPushedFile(dir: string, name: string, maxBytes = MiB): Promise<string | null> {
  const file = safeJoin(dir, name);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw failed(`${name} is a symlink; it must be a regular file.`);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw failed(`${name} must be a regular file.`);
    if (st.size > maxBytes) throw failed(`${name} is larger than ${formatSize(maxBytes)}.`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Builds in process mode: source tar → build dir → buildpacks (`_runner/build`) → slug.
 *
 *   const builder = createLocalBuilder({ buildpacksDir, cacheDir, slugsDir, workDir, logger });
 *   const result = await builder.build({ app, appId, buildId, source, env, output: (l) => send(l) });
 */
export function createLocalBuilder(options: LocalBuilderOptions): Builder {
  const buildpacksDir = path.resolve(options.buildpacksDir);
  const runner = path.join(buildpacksDir, '_runner', 'build');
  const stack = options.stack ?? 'bookworm';
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const outputLimitBytes = options.outputLimitBytes ?? 4 * MiB;

  async function build(request: BuildRequest): Promise<BuildResult> {
    const { output } = request;
    // Take the source before the first await: Node discards the stdout of a child process
    // (e.g. `git archive`) that exits while nobody listens. The PassThrough buffers instead.
    const source = new PassThrough();
    pipeline(request.source, source).catch(() => {}); // errors reach extractTar through `source`
    if (!SAFE_ID_RE.test(request.appId)) {
      source.destroy();
      throw failed('Invalid app id.');
    }
    await fsp.mkdir(options.workDir, { recursive: true });
    const tmp = await fsp.mkdtemp(path.join(path.resolve(options.workDir), 'build_'));
    const log = { app: request.app, buildId: request.buildId };
    const started = Date.now();
    try {
      const user = typeof options.user === 'function' ? await options.user(request.appId) : options.user;
      const result = await buildIn(tmp, { ...request, source }, user);
      options.logger?.info(
        { ...log, buildpack: result.buildpack, slug: result.slug.checksum, ms: Date.now() - started },
        'build succeeded',
      );
      return result;
    } catch (err) {
      const error =
        isPlatformError(err) && err.code === ErrorCodes.buildFailed ? err : failed(describe(err), err);
      options.logger?.warn({ ...log, reason: error.message, ms: Date.now() - started }, 'build failed');
      throw error;
    } finally {
      source.destroy(); // no-op once consumed; otherwise frees the producer
      await fsp.rm(tmp, { recursive: true, force: true }).catch((err: unknown) => {
        options.logger?.error({ ...log, err }, 'could not remove build directory');
      });
    }

    function describe(err: unknown): string {
      if (isPlatformError(err)) return err.message;
      return `Build failed: ${(err as Error).message ?? String(err)}`;
    }

    /** Prints ` !     message` for the pusher and returns the error to throw. */
    function reject(message: string, cause?: unknown): PlatformError {
      output(` !     ${message}`);
      return failed(message, cause);
    }

    async function buildIn(tmp: string, req: BuildRequest, user: UnixUser | undefined): Promise<BuildResult> {
      const buildDir = path.join(tmp, 'app');
      const envDir = path.join(tmp, 'env');
      const homeDir = path.join(tmp, 'home');
      const releaseOut = path.join(tmp, 'out', 'release.yml');
      const appCache = safeJoin(options.cacheDir, req.appId);
      for (const dir of [buildDir, homeDir, path.dirname(releaseOut), appCache])
        await fsp.mkdir(dir, { recursive: true });
      await fsp.mkdir(envDir, { mode: 0o700 });

      try {
        await extractTar(req.source, buildDir, {
          maxBytes: options.sourceMaxBytes ?? 1024 * MiB,
          maxEntries: 200_000,
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
        });
      } catch (err) {
        throw reject(`Could not unpack the source: ${(err as Error).message}`, err);
      }

      // Config vars: one file per key, readable only by the build user. Never in argv or env.
      for (const [key, value] of Object.entries(req.env)) {
        if (!isValidConfigKey(key)) throw reject(`Invalid config var name ${JSON.stringify(key)}.`);
        await fsp.writeFile(path.join(envDir, key), value, { mode: 0o600, flag: 'wx' });
      }
      if (user) {
        // `tmp` stays root's (0711): the build may change what is inside app/, home/, env/ and out/, but it
        // cannot swap those directories themselves for symlinks.
        await fsp.chmod(tmp, 0o711);
        for (const dir of [buildDir, homeDir, envDir, path.dirname(releaseOut)])
          await fsp.chown(dir, user.uid, user.gid);
        for (const key of Object.keys(req.env)) await fsp.chown(path.join(envDir, key), user.uid, user.gid);
        await chownTree(appCache, user.uid, user.gid);
      }

      const sandboxed = options.pidNamespace === true;
      const run = await runScript({
        argv: sandboxedCommand([runner, buildDir, appCache, envDir, buildpacksDir, releaseOut], {
          pidNamespace: sandboxed,
          user: sandboxed ? user : null,
        }),
        cwd: buildDir,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: homeDir,
          STACK: stack,
          LANG: 'C.UTF-8',
          REQUEST_ID: req.buildId,
        },
        // In the sandbox, setpriv switches user inside the namespace; unshare itself must start as root.
        uid: sandboxed ? undefined : user?.uid,
        gid: sandboxed ? undefined : user?.gid,
        timeoutMs,
        outputLimitBytes,
        onLine: output,
        signal: req.signal,
      });
      if (run.aborted) throw reject('Build cancelled.');
      if (run.timedOut)
        throw reject(`Build timed out after ${Math.round(timeoutMs / 1000)} s and was stopped.`);
      if (run.code !== 0) {
        // The runner already printed the Heroku-style reason for its own exit codes.
        const reasons: Record<number, string> = {
          1: 'The buildpack failed to compile the app.',
          2: 'No default language could be detected for this app.',
          3: "The buildpack's bin/release failed.",
        };
        const known = run.code !== null ? reasons[run.code] : undefined;
        if (known) throw failed(known);
        throw reject(`The build runner exited with ${run.code ?? run.signal}.`);
      }

      // The build wrote these: never follow a symlink it may have put in their place.
      const outDir = path.dirname(releaseOut);
      const releaseYaml = await readPushedFile(outDir, path.basename(releaseOut)).catch(() => null);
      const buildpack =
        ((await readPushedFile(outDir, `${path.basename(releaseOut)}.buildpack`, 4096).catch(() => null)) ?? '').trim() || 'unknown';

      let resolved;
      try {
        resolved = resolveProcessTypes(await readPushedFile(buildDir, 'Procfile'), releaseYaml);
      } catch (err) {
        throw reject((err as Error).message, err);
      }
      for (const line of describeProcessTypes(resolved)) output(line);
      output('');

      output('-----> Compressing...');
      let slug;
      try {
        const exclude = createSlugIgnore(await readPushedFile(buildDir, '.slugignore'));
        slug = await packSlug(buildDir, options.slugsDir, {
          maxBytes: options.slugMaxBytes ?? 1024 * MiB,
          ...(exclude ? { exclude } : {}),
        });
      } catch (err) {
        if (err instanceof SlugTooLargeError) throw reject(err.message, err);
        throw reject(`Could not write the slug: ${(err as Error).message}`, err);
      }
      output(`       Done: ${formatSize(slug.size)}`);
      return { slug, processTypes: resolved.processTypes, buildpack };
    }
  }

  async function forgetApp(appId: string): Promise<void> {
    await fsp.rm(safeJoin(options.cacheDir, appId), { recursive: true, force: true });
  }

  return { build, forgetApp };
}

/** chown -R without following symlinks (lchown). */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fsp.lchown(dir, uid, gid);
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
    else await fsp.lchown(p, uid, gid);
  }
}
