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
  /** The slug of a buildpack build; null for a Dockerfile build, whose artifact is its image alone. */
  slug: {
    /** Absolute path of the content-addressed slug file. */
    path: string;
    /** sha256 hex of the slug file. */
    checksum: string;
    /** Size in bytes. */
    size: number;
  } | null;
  /** Process types: Procfile entries over the last buildpack's default_process_types. */
  processTypes: Record<string, string>;
  /** Human name of the buildpack(s) used, e.g. "Node.js". */
  buildpack: string;
  /** Docker image: stack + slug (docker mode), or the app's own Dockerfile's (then `slug` is null). */
  image?: string | undefined;
  /**
   * A Dockerfile build with several images (heroku.yml `build.docker: { web: …, worker: … }`): the image each process
   * type (and `release`) runs, where it is not `image` (which one-offs and any other type run). See `Artifact.images`.
   */
  images?: Readonly<Record<string, string>> | undefined;
  /** `dockerfile` for an image built from the app's Dockerfile (see `Artifact.kind`); default `slug`. */
  kind?: 'slug' | 'dockerfile' | undefined;
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
