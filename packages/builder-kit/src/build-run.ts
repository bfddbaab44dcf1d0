import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  APP_NAME_RE,
  ErrorCodes,
  PlatformError,
  isPlatformError,
  isValidConfigKey,
  type BuildRequest,
  type BuildResult,
} from '@platform/types';

/** The minimal logger surface builders use (pino-compatible). */
export interface BuilderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const MiB = 1024 * 1024;

/** What every builder does unless told otherwise. Sizes in bytes, times in milliseconds. */
export const BUILD_DEFAULTS = {
  /** $STACK in the build. */
  stack: 'bookworm',
  /** The whole build is stopped after this long. */
  timeoutMs: 15 * 60_000,
  /** Build output beyond this is dropped with one notice; the build goes on. */
  outputLimitBytes: 4 * MiB,
  /** Source trees with more file data than this are refused. */
  sourceMaxBytes: 1024 * MiB,
  /** Source trees with more entries than this are refused. */
  sourceMaxEntries: 200_000,
  /** Compressed slugs larger than this are refused (Heroku's limit). */
  slugMaxBytes: 1024 * MiB,
} as const;

/** App ids and build ids: they name directories, volumes, containers and image tags. */
const SAFE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A build failure: `PlatformError` with code PLT_BUILD_FAILED (the only code a builder throws). */
export function buildFailed(message: string, cause?: unknown): PlatformError {
  return new PlatformError(ErrorCodes.buildFailed, message, cause === undefined ? {} : { cause });
}

/** Failures whose reason is on the pusher's screen already (printed by `reject`, or by the buildpack runner). */
const explained = new WeakSet<Error>();

/** Marks `error` as explained on the build output already, so `runBuild` does not print it again. Returns it. */
export function explainedFailure(error: PlatformError): PlatformError {
  explained.add(error);
  return error;
}

/**
 * Returns `reject(message, cause?)`: prints ` !     message` for the pusher and returns the PLT_BUILD_FAILED
 * error to throw. For failures the buildpack runner has not already explained.
 */
export function createRejecter(output: (line: string) => void): (message: string, cause?: unknown) => PlatformError {
  return (message, cause) => {
    output(` !     ${message}`);
    return explainedFailure(buildFailed(message, cause));
  };
}

/**
 * The config vars as ENV_DIR files, `[key, value]` each (one file per key; they never reach the build's
 * environment, argv or output). Throws PLT_BUILD_FAILED `Invalid config var name "…".` for a bad key.
 */
export function envDirFiles(env: Readonly<Record<string, string>>): Array<[string, string]> {
  const files = Object.entries(env);
  for (const [key] of files) {
    if (!isValidConfigKey(key)) throw buildFailed(`Invalid config var name ${JSON.stringify(key)}.`);
  }
  return files;
}

/** `Build failed: <message>` for an error that is not a PlatformError (the default of `RunBuildOptions.describe`). */
export function describeBuildError(err: unknown): string {
  if (isPlatformError(err)) return err.message;
  return `Build failed: ${(err as Error)?.message ?? String(err)}`;
}

export interface RunBuildOptions {
  logger?: BuilderLogger | undefined;
  /** The message of an unexpected error (default `describeBuildError`). */
  describe?: ((err: unknown) => string) | undefined;
}

/**
 * The frame of every `Builder.build`: takes hold of `request.source` at once (Node drops the output of a
 * `git archive` that ends while nobody listens; a PassThrough buffers it), checks the app name, app id and build
 * id, runs `body` with the source, logs `build succeeded` / `build failed` with the time taken, and turns any
 * failure into PLT_BUILD_FAILED (a PLT_BUILD_FAILED error passes unchanged). Every failure is explained on
 * `request.output` exactly once: one not printed already (through `reject`, or by the runner) gets
 * ` !     <message>` here, so a caller never prints a build error again. Call it before any `await`.
 *
 *   build: (request) => runBuild(request, { logger }, (source) => buildIn(request, source)),
 */
export async function runBuild(
  request: BuildRequest,
  options: RunBuildOptions,
  body: (source: Readable) => Promise<BuildResult>,
): Promise<BuildResult> {
  const source = new PassThrough();
  pipeline(request.source, source).catch(() => {}); // errors reach the reader through `source`
  const log = { app: request.app, buildId: request.buildId };
  const started = Date.now();
  try {
    if (!APP_NAME_RE.test(request.app)) throw buildFailed('Invalid app name.');
    if (!SAFE_ID_RE.test(request.appId)) throw buildFailed('Invalid app id.');
    if (!SAFE_ID_RE.test(request.buildId)) throw buildFailed('Invalid build id.');
    const result = await body(source);
    const done = { buildpack: result.buildpack, slug: result.slug?.checksum ?? null, image: result.image };
    options.logger?.info({ ...log, ...done, ms: Date.now() - started }, 'build succeeded');
    return result;
  } catch (err) {
    const describe = options.describe ?? describeBuildError;
    const error = isPlatformError(err) && err.code === ErrorCodes.buildFailed ? err : buildFailed(describe(err), err);
    if (!(error instanceof Error) || !explained.has(error)) request.output(` !     ${error.message}`);
    options.logger?.warn({ ...log, reason: error.message, ms: Date.now() - started }, 'build failed');
    throw error;
  } finally {
    source.destroy(); // no-op once consumed; otherwise frees the producer
  }
}
