import type { Readable } from 'node:stream';

export interface GitPushUpdate {
  ref: string;
  oldSha: string;
  newSha: string;
}

export interface GitPush {
  app: string;
  /** Whatever `authorize()` returned for the receive-pack request. */
  principal: unknown;
  branch: 'main' | 'master';
  /** The update of the deploy branch. */
  update: GitPushUpdate;
  /** Tar stream of the pushed tree at `sha` (git archive over this push's quarantined objects). */
  archive(sha: string): Readable;
  /** Each line appears live on the pusher's terminal as `remote: <line>`. Newlines split lines. */
  output(line: string): void;
  /** Aborted when the pusher disconnects (receive-pack has then been killed: the push cannot be accepted). */
  signal: AbortSignal;
}

export type GitService = 'git-receive-pack' | 'git-upload-pack';

export interface AuthorizeRequest {
  app: string;
  /** Basic auth password (any user name), or null when absent/malformed. */
  token: string | null;
  service: GitService;
  /** The client's address (fastify's `request.ip`), for limiting failed authentications per source. */
  address: string;
}

/** Minimal pino-compatible logger. */
export interface GitHttpLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

export interface GitHttpOptions {
  /** Bare repos live at `<reposDir>/<app>.git`, created on first authorised use. */
  reposDir: string;
  /**
   * Called before anything is spawned or stored. Throw PlatformError PLT_UNAUTHORIZED (→ 401 with
   * `WWW-Authenticate: Basic`), PLT_APP_NOT_FOUND (→ 404) or PLT_FORBIDDEN (→ 403). Returns the principal.
   */
  authorize(request: AuthorizeRequest): Promise<unknown>;
  /**
   * Runs inside pre-receive while the push is open. Throwing rejects the push: the error's message is printed as
   * ` !     …` lines, then ` !     Push rejected to <app>.` — only the latter when the error is a PlatformError with
   * `details.shown: true` (its reason went through `output` already, e.g. a build failure the builder explained).
   */
  onPush(push: GitPush): Promise<void>;
  /** Base URL on which this fastify instance is reachable from local processes, e.g. http://127.0.0.1:5000 */
  internalUrl(): string;
  /**
   * Request body cap in bytes (raw and after gunzip), default 1 GiB. A push over it is refused in git's protocol
   * (its reason on the pusher's terminal, nothing stored, `onPush` not called) once its body has been read (up
   * to twice the cap); a larger body, or a fetch over it, gets 413.
   */
  maxPackBytes?: number;
  /** How the operator sets `maxPackBytes` (e.g. `PLATFORM_MAX_PUSH_BYTES`), named in the refusal. */
  maxPackBytesSetting?: string;
  logger?: GitHttpLogger;
  /** PATH given to git (default: the standard system directories). */
  gitPath?: string;
  /** Node binary that runs the pre-receive hook (default: the current process.execPath). */
  nodePath?: string;
}
