import type { Readable } from 'node:stream';

/** Input of one build: the pushed tree as a tar stream, and where to report output. */
export interface BuildRequest {
  app: string;
  appId: string;
  buildId: string;
  /** A tar stream of the source tree (what `git archive` produces). */
  source: Readable;
  /** Config vars, written into ENV_DIR one file per key. Never exported into the build's environment. */
  env: Readonly<Record<string, string>>;
  /** Receives build output one line at a time, already formatted (`-----> Node.js app detected`). */
  output: (line: string) => void;
  /**
   * The buildpacks the app chose (directory names under the buildpacks dir), run in this order without
   * detection; absent or empty: the first of the default order whose bin/detect matches.
   */
  buildpacks?: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
}

export interface BuildResult {
  slug: {
    /** Absolute path of the content-addressed slug file. */
    path: string;
    /** sha256 hex of the slug file. */
    checksum: string;
    /** Size in bytes. */
    size: number;
  };
  /** Process types: Procfile entries over the last buildpack's default_process_types. */
  processTypes: Record<string, string>;
  /** Human name of the buildpack(s) used, e.g. "Node.js". */
  buildpack: string;
  /** Docker image built from stack + slug, in docker mode. */
  image?: string | undefined;
}

/**
 * Runs buildpacks and produces a slug. Throws PlatformError PLT_BUILD_FAILED (message says why) on failure, with
 * the failure already explained on `output`, exactly once (` !     …` lines): a caller prints no build error again.
 * Drivers (`packages/builder-local`, `packages/builder-docker`) share `packages/builder-kit` and pass
 * `test/contracts/builder.contract.ts`.
 */
export interface Builder {
  build(request: BuildRequest): Promise<BuildResult>;
  /** Removes what the builder keeps for an app between builds (its build cache). For a destroyed app. */
  forgetApp(appId: string): Promise<void>;
}
