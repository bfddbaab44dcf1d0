import type { Readable, Writable } from 'node:stream';

/**
 * The runtime driver interface: where dynos actually run. Drivers are siblings
 * (`packages/runtime-process`, `packages/runtime-docker`, a cluster driver later) and all
 * pass the same contract suite (`test/contracts/runtime.contract.ts`).
 *
 * Nothing may assume a dyno lives on 127.0.0.1: a driver reports each dyno's address.
 */

/**
 * What a release runs. A buildpack build has a slug (and, in docker mode, a release image made of stack + slug);
 * a Dockerfile build (issue 18) has only its image, which runs its own way (`kind: 'dockerfile'`).
 */
export interface Artifact {
  /** Absolute path of the slug tarball (gzip'd tar of /app), content-addressed. Absent for a Dockerfile build. */
  slugPath?: string | undefined;
  /** sha256 hex of the slug file. Absent for a Dockerfile build. */
  slugChecksum?: string | undefined;
  /** Docker image reference (`platform/<app>:<build id>`), when the build produced one. */
  image?: string | undefined;
  /**
   * Process type → image, for a Dockerfile build with one image per type (`platform/<app>:<build id>-<type>`); a type
   * not named here runs `image`. A `DynoSpec`'s artifact is already its type's (`artifactForType`): drivers read `image`.
   */
  images?: Readonly<Record<string, string>> | undefined;
  /**
   * How the image runs a command. `slug` (the default): the slug launch script from /app (`.profile.d`, then
   * `bash -c <command>`). `dockerfile`: an image built from the app's Dockerfile, run as `docker run` would — its
   * ENTRYPOINT, working directory and environment kept, a command given as `/bin/sh -c <command>` in place of its
   * CMD, and an empty command (`DynoSpec.command` '') running the image's own CMD. Only the docker runtime runs it.
   */
  kind?: 'slug' | 'dockerfile' | undefined;
}

export interface DynoSize {
  /** Memory limit in MiB. */
  memoryMb: number;
  /** Maximum number of processes/threads. */
  pids: number;
}

export interface DynoSpec {
  app: string;
  appId: string;
  releaseId: string;
  releaseVersion: number;
  /** Process type: `web`, `worker`, `release`, `run`, … */
  type: string;
  /** Dyno name, unique per app among running dynos: `web.1`, `run.3`. */
  name: string;
  /**
   * Command line from the Procfile (run through `bash -c` inside the dyno, as on Heroku). Empty only with a
   * `dockerfile` artifact: the image's own CMD/ENTRYPOINT.
   */
  command: string;
  /** The app's config vars only. The driver adds PORT, DYNO and the platform vars; never the server's own env. */
  env: Readonly<Record<string, string>>;
  artifact: Artifact;
  size?: DynoSize | undefined;
  /** Extra labels a driver may persist with the dyno (docker labels), for adoption. */
  labels?: Readonly<Record<string, string>> | undefined;
}

export interface DynoAddress {
  host: string;
  port: number;
}

export interface Dyno {
  /** Driver-unique id (container id for docker, a generated id for processes). */
  id: string;
  app: string;
  appId: string;
  releaseId: string;
  releaseVersion: number;
  type: string;
  name: string;
  command: string;
  /** Where the dyno's $PORT is reachable from the router. */
  address: DynoAddress;
  startedAt: Date;
  /** false once the dyno's main process has exited. */
  running: boolean;
}

export interface DynoExit {
  id: string;
  app: string;
  name: string;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  /** True when the exit was requested through `stop()`. */
  requested: boolean;
  /** Set when the dyno was killed for exceeding its memory limit (docker: the kernel's OOM killer); MiB. */
  outOfMemory?: { limitMb: number } | undefined;
  /**
   * Set when the dyno's machine stopped answering (swarm: its node is `down`): its process may still run there,
   * cut off, but it is gone for the platform (code and signal null).
   */
  lost?: { node: string } | undefined;
}

export interface DynoOutput {
  id: string;
  app: string;
  name: string;
  stream: 'stdout' | 'stderr';
  /** One line, without its trailing newline. */
  line: string;
  /** Epoch milliseconds when the line was read (microsecond precision may be added by the log hub). */
  at: number;
}

export interface StopOptions {
  /** Time between SIGTERM and SIGKILL, milliseconds. Default 30 000. */
  graceMs?: number | undefined;
  /** Signal sent first (default SIGTERM; SIGHUP for a disconnected one-off). */
  signal?: 'SIGTERM' | 'SIGHUP' | 'SIGINT' | undefined;
}

/** How an attached one-off dyno is started (`platform run`). */
export interface AttachOptions {
  /** Allocate a pseudo-terminal: stdout and stderr are merged, the terminal echoes and handles Ctrl-C. */
  tty: boolean;
  /** Initial window size (TTY only). Default 80×24. */
  cols?: number | undefined;
  rows?: number | undefined;
}

/**
 * A dyno whose stdio belongs to the caller instead of the log stream. Its output is NOT sent to
 * `onOutput`; its exit IS reported through `onExit` (once stdout/stderr have ended where the driver can tell).
 *
 *   const a = await runtime.startAttached!(spec, { tty: false });
 *   a.stdout.pipe(process.stdout); a.stdin.end('input\n');
 */
export interface AttachedDyno {
  dyno: Dyno;
  /** The process's stdin. end() delivers EOF (with a TTY: the terminal's EOF character, Ctrl-D). */
  stdin: Writable;
  /** stdout, or with a TTY everything the terminal shows. Ends when the process is gone. */
  stdout: Readable;
  /** stderr; null with a TTY (merged into stdout). */
  stderr: Readable | null;
  /** Changes the terminal size (TTY only; a no-op without one). */
  resize(cols: number, rows: number): Promise<void>;
}

export interface Runtime {
  readonly kind: 'process' | 'docker' | (string & {});
  /** Starts a dyno and resolves once its process exists (not once it listens). */
  start(spec: DynoSpec): Promise<Dyno>;
  /** Starts a dyno with its stdio attached to the caller (one-off dynos). Optional: drivers without it cannot run attached. */
  startAttached?(spec: DynoSpec, options: AttachOptions): Promise<AttachedDyno>;
  /** Stops a dyno: signal → grace → SIGKILL of the whole process group/container. Resolves when it is gone. Unknown ids resolve. */
  stop(id: string, options?: StopOptions): Promise<void>;
  /** Dynos this driver knows about (for docker: every labelled container, including ones started before a restart). */
  list(filter?: { app?: string | undefined }): Promise<Dyno[]>;
  /**
   * A running dyno's memory use and limit in bytes (what its limit counts: resident memory, not reclaimable
   * cache), or null when unknown (gone, no limit). Optional: drivers without memory limits leave it out.
   */
  memoryUsage?(id: string): Promise<{ usedBytes: number; limitBytes: number } | null>;
  /**
   * Frees what the driver keeps for an app beyond its dynos (the docker driver's per-app network), once the app
   * is destroyed and its dynos are stopped. Optional; never throws.
   */
  forgetApp?(appId: string): Promise<void>;
  /** Called once per dyno exit. Returns an unsubscribe function. */
  onExit(listener: (exit: DynoExit) => void): () => void;
  /** Called for every line a dyno writes. Returns an unsubscribe function. */
  onOutput(listener: (output: DynoOutput) => void): () => void;
  /** Frees driver resources. The process driver stops its dynos; the docker driver leaves containers running (to be adopted). */
  close(): Promise<void>;
}
