import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { extractTar, safeJoin } from '@platform/archive';
import {
  APP_FILE_MAX_BYTES,
  BUILD_DEFAULTS,
  RELEASE_OUT_NAME,
  appFileProblem,
  buildFailed,
  createRejecter,
  envDirFiles,
  finishBuild,
  packSlug,
  runBuild,
  runnerArgv,
  runnerEnvironment,
  runnerFailure,
  stoppedReason,
  type BuilderLogger,
  parseHerokuManifest,
  HEROKU_MANIFEST,
  DOCKERFILE_NEEDS_DOCKER,
} from '@platform/builder-kit';
import type { Builder, BuildRequest, BuildResult } from '@platform/types';
import { sandboxedCommand, type UnixUser } from '@platform/sandbox';
import { runScript } from './run-script.ts';

export interface LocalBuilderOptions {
  /** Holds `order`, one directory per buildpack and `_runner/build`. */
  buildpacksDir: string;
  /** Root of the build caches; one per app at `<cacheDir>/<appId>`. */
  cacheDir: string;
  /** Content-addressed slugs: `<slugsDir>/<sha256>.tgz`. */
  slugsDir: string;
  /**
   * A directory every app's build may read and write (`SHARED_CACHE_DIR`), for downloads any app can reuse.
   * Created when missing: sticky and world-writable (1777) when builds run as per-app users, so a build can add
   * files but not remove another user's. Untrusted by design: buildpacks verify what they read there. Default none.
   */
  sharedCacheDir?: string;
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

/** Reads a regular file from the pushed tree without following a symlink; null when absent. */
async function readPushedFile(dir: string, name: string, maxBytes = APP_FILE_MAX_BYTES): Promise<string | null> {
  const file = safeJoin(dir, name);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw buildFailed(appFileProblem(name, { kind: 'symlink', size: 0 })!);
    throw err;
  }
  try {
    const st = await fh.stat();
    const problem = appFileProblem(name, { kind: st.isFile() ? 'file' : 'other', size: st.size }, maxBytes);
    if (problem !== null) throw buildFailed(problem);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Builds in process mode: source tar → build dir → buildpacks (`_runner/build`) → slug. Throws PLT_BUILD_FAILED.
 *
 *   const builder = createLocalBuilder({ buildpacksDir, cacheDir, slugsDir, workDir, logger });
 *   const result = await builder.build({ app, appId, buildId, source, env, output: (l) => send(l) });
 */
export function createLocalBuilder(options: LocalBuilderOptions): Builder {
  const buildpacksDir = path.resolve(options.buildpacksDir);
  const timeoutMs = options.timeoutMs ?? BUILD_DEFAULTS.timeoutMs;

  async function buildInWorkspace(request: BuildRequest, source: Readable): Promise<BuildResult> {
    await fsp.mkdir(options.workDir, { recursive: true });
    const tmp = await fsp.mkdtemp(path.join(path.resolve(options.workDir), 'build_'));
    try {
      const user = typeof options.user === 'function' ? await options.user(request.appId) : options.user;
      return await buildIn(tmp, request, source, user);
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true }).catch((err: unknown) => {
        options.logger?.error({ app: request.app, buildId: request.buildId, err }, 'could not remove build directory');
      });
    }
  }

  async function buildIn(tmp: string, req: BuildRequest, source: Readable, user: UnixUser | undefined): Promise<BuildResult> {
    const { output } = req;
    const reject = createRejecter(output);
    const paths = {
      buildpacks: buildpacksDir,
      build: path.join(tmp, 'app'),
      cache: safeJoin(options.cacheDir, req.appId),
      env: path.join(tmp, 'env'),
      releaseOut: path.join(tmp, 'out', RELEASE_OUT_NAME),
    };
    const homeDir = path.join(tmp, 'home');
    const outDir = path.dirname(paths.releaseOut);
    for (const dir of [paths.build, homeDir, outDir, paths.cache]) await fsp.mkdir(dir, { recursive: true });
    const sharedCache = options.sharedCacheDir ? await ensureSharedCache(options.sharedCacheDir, user !== undefined) : undefined;
    await fsp.mkdir(paths.env, { mode: 0o700 });

    try {
      await extractTar(source, paths.build, {
        maxBytes: options.sourceMaxBytes ?? BUILD_DEFAULTS.sourceMaxBytes,
        maxEntries: BUILD_DEFAULTS.sourceMaxEntries,
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      });
    } catch (err) {
      throw reject(`Could not unpack the source: ${(err as Error).message}`, err);
    }

    // heroku.yml asks for a Dockerfile build, which needs the docker runtime (a bad one is refused as such).
    let manifest;
    try {
      manifest = parseHerokuManifest(await readPushedFile(paths.build, HEROKU_MANIFEST));
    } catch (err) {
      throw reject((err as Error).message, err);
    }
    if (manifest) throw reject(DOCKERFILE_NEEDS_DOCKER);

    // Config vars: one file per key, readable only by the build user. Never in argv or env.
    let envFiles;
    try {
      envFiles = envDirFiles(req.env);
    } catch (err) {
      throw reject((err as Error).message, err);
    }
    for (const [key, value] of envFiles) await fsp.writeFile(path.join(paths.env, key), value, { mode: 0o600, flag: 'wx' });
    if (user) {
      // `tmp` stays root's (0711): the build may change what is inside app/, home/, env/ and out/, but it
      // cannot swap those directories themselves for symlinks.
      await fsp.chmod(tmp, 0o711);
      for (const dir of [paths.build, homeDir, paths.env, outDir]) await fsp.chown(dir, user.uid, user.gid);
      for (const [key] of envFiles) await fsp.chown(path.join(paths.env, key), user.uid, user.gid);
      await chownTree(paths.cache, user.uid, user.gid);
    }

    const sandboxed = options.pidNamespace === true;
    const run = await runScript({
      argv: sandboxedCommand(runnerArgv(paths, req.buildpacks), { pidNamespace: sandboxed, user: sandboxed ? user : null }),
      cwd: paths.build,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        ...runnerEnvironment({ home: homeDir, stack: options.stack ?? BUILD_DEFAULTS.stack, buildId: req.buildId, sharedCache }),
      },
      // In the sandbox, setpriv switches user inside the namespace; unshare itself must start as root.
      uid: sandboxed ? undefined : user?.uid,
      gid: sandboxed ? undefined : user?.gid,
      timeoutMs,
      outputLimitBytes: options.outputLimitBytes ?? BUILD_DEFAULTS.outputLimitBytes,
      onLine: output,
      signal: req.signal,
    });
    if (run.aborted) throw reject(stoppedReason('abort', timeoutMs));
    if (run.timedOut) throw reject(stoppedReason('timeout', timeoutMs));
    if (run.code !== 0) throw runnerFailure(run.code ?? run.signal, reject);

    return finishBuild(
      {
        readAppFile: (name) => readPushedFile(paths.build, name),
        // The build wrote these: never follow a symlink it may have put in their place.
        readRunnerOutput: (name, maxBytes) => readPushedFile(outDir, name, maxBytes).catch(() => null),
        packSlug: (exclude) =>
          packSlug(paths.build, options.slugsDir, {
            maxBytes: options.slugMaxBytes ?? BUILD_DEFAULTS.slugMaxBytes,
            exclude,
          }),
      },
      output,
      reject,
    );
  }

  return {
    build: (request) => runBuild(request, { logger: options.logger }, (source) => buildInWorkspace(request, source)),
    async forgetApp(appId: string): Promise<void> {
      await fsp.rm(safeJoin(options.cacheDir, appId), { recursive: true, force: true });
    },
  };
}

/** The shared cache directory (absolute), made once: 1777 when builds run as other users, else 0755. */
async function ensureSharedCache(dir: string, otherUsers: boolean): Promise<string> {
  const abs = path.resolve(dir);
  await fsp.mkdir(abs, { recursive: true });
  const st = await fsp.lstat(abs);
  if (!st.isDirectory()) throw buildFailed(`The shared build cache ${abs} is not a directory.`);
  if (otherUsers && (st.mode & 0o7777) !== 0o1777) await fsp.chmod(abs, 0o1777);
  return abs;
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
