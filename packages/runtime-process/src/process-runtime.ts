import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { extractTar } from '@platform/archive';
import {
  APP_NAME_RE,
  DYNO_NAME_RE,
  ErrorCodes,
  PROCESS_TYPE_RE,
  isPlatformError,
  PlatformError,
  SLUG_LAUNCH_SCRIPT,
  type AttachedDyno,
  type AttachOptions,
  type Dyno,
  type DynoExit,
  type DynoOutput,
  type DynoSpec,
  type Runtime,
  type StopOptions,
} from '@platform/types';
import { sandboxedCommand, type UnixUser } from '@platform/sandbox';
import { buildDynoEnv } from './dyno-env.ts';
import { pickFreePort } from './free-port.ts';
import { assertTraversable } from './reachable.ts';
import { createLineSplitter } from '@platform/runtime-kit';
import { signalGroup, waitGroupGone } from './process-group.ts';
import { forgetDyno, recordDyno } from './orphans.ts';
import { fromChild, spawnPty, type Launched } from './launched.ts';

/** Output an attached dyno may produce before its client reads it, per stream. */
const ATTACHED_BUFFER_BYTES = 1024 * 1024;

/** The subset of a pino logger this package uses. */
export interface RuntimeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ProcessRuntimeOptions {
  /** Each dyno gets a fresh `<dynosDir>/<dyno id>/` with the slug extracted into `app/`. */
  dynosDir: string;
  /**
   * A root-only directory (outside dynosDir) recording each running dyno's process group, so that the next
   * server start can kill dynos a crashed server left behind (`sweepOrphanedDynos`). Optional.
   */
  registryDir?: string | undefined;
  logger?: RuntimeLogger | undefined;
  /**
   * Run dynos as this user, or as the user this function gives for the dyno's app (the server, as root, gives
   * each app a uid of its own: `createAppUsers` from @platform/sandbox). null = as the server.
   */
  runAs?: UnixUser | ((appId: string) => Promise<UnixUser>) | null | undefined;
  /**
   * Run each dyno in a PID namespace of its own under an init (`@platform/sandbox`; needs root and tini): the
   * dyno sees only its own processes, and everything it started — a daemonised `setsid` child included — ends
   * with it. Default false.
   */
  pidNamespace?: boolean | undefined;
  /** Address dynos bind and that is reported to the router. Default 127.0.0.1. */
  host?: string | undefined;
  /** PATH given to dynos. Default `<app dir>/bin:/usr/local/bin:/usr/bin:/bin`. */
  path?: string | undefined;
  /** Grace period used by close() when it stops the remaining dynos. Default 30 000 ms. */
  closeGraceMs?: number | undefined;
  /** Limits for slug extraction. */
  maxSlugBytes?: number | undefined;
  maxSlugEntries?: number | undefined;
}

const DEFAULT_GRACE_MS = 30_000;
/** How long to wait for SIGKILLed processes to disappear before giving up (they are in D state, or zombies). */
const KILL_WAIT_MS = 5_000;
/** After the group is gone, how long stdio may stay open (held by a process that left the group). */
const STDIO_DRAIN_MS = 2_000;

interface Entry {
  dyno: Dyno;
  proc: Launched;
  pgid: number;
  dir: string;
  requested: boolean;
  /** Resolves once the exit was reported (after stdio closed). */
  reported: Promise<void>;
  drainTimer: NodeJS.Timeout | null;
  stopping: Promise<void> | null;
  startDrainTimer(): void;
}

export function createProcessRuntime(options: ProcessRuntimeOptions): Runtime {
  const dynosDir = resolve(options.dynosDir);
  const host = options.host ?? '127.0.0.1';
  const runAsOption = options.runAs ?? null;
  const userFor = async (appId: string): Promise<UnixUser | null> =>
    typeof runAsOption === 'function' ? runAsOption(appId) : runAsOption;
  const pidNamespace = options.pidNamespace === true;
  const logger = options.logger;
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_GRACE_MS;
  const entries = new Map<string, Entry>();
  const exitListeners = new Set<(exit: DynoExit) => void>();
  const outputListeners = new Set<(output: DynoOutput) => void>();
  let closed = false;
  let dirReady: Promise<void> | null = null;

  function ensureDynosDir(runAs: UnixUser | null): Promise<void> {
    // 0711: an unprivileged dyno can reach its own dir by name but cannot list the others.
    dirReady ??= (async () => {
      await mkdir(dynosDir, { recursive: true });
      await chmod(dynosDir, 0o711);
      if (runAs) await assertTraversable(dynosDir, runAs);
    })();
    // A failed check is retried on the next start (the operator may have fixed the permissions).
    dirReady.catch(() => (dirReady = null));
    return dirReady;
  }

  function emitOutput(output: DynoOutput): void {
    for (const listener of outputListeners) {
      try {
        listener(output);
      } catch (err) {
        logger?.error({ err }, 'runtime output listener failed');
      }
    }
  }

  function emitExit(exit: DynoExit): void {
    for (const listener of exitListeners) {
      try {
        listener(exit);
      } catch (err) {
        logger?.error({ err }, 'runtime exit listener failed');
      }
    }
  }

  function validate(spec: DynoSpec): void {
    const bad = (field: string) =>
      new PlatformError(ErrorCodes.invalidParams, `Invalid dyno spec: ${field}.`, { details: { field } });
    if (!APP_NAME_RE.test(spec.app)) throw bad('app');
    if (!PROCESS_TYPE_RE.test(spec.type)) throw bad('type');
    if (!DYNO_NAME_RE.test(spec.name)) throw bad('name');
    if (typeof spec.command !== 'string' || spec.command.length === 0 || spec.command.includes('\0')) {
      throw bad('command');
    }
  }

  /** `attach` null: output goes to onOutput; otherwise the caller gets the dyno's stdio. */
  async function launch(spec: DynoSpec, attach: AttachOptions | null): Promise<AttachedDyno> {
    if (closed) throw new PlatformError(ErrorCodes.runtimeUnavailable, 'The process runtime is closed.');
    validate(spec);
    const runAs = await userFor(spec.appId);
    await ensureDynosDir(runAs);
    const id = randomUUID();
    const dir = join(dynosDir, id);
    const appDir = join(dir, 'app');
    try {
      await mkdir(dir, { mode: 0o700 });
      await mkdir(appDir, { mode: 0o700 });
      await extractTar(createReadStream(spec.artifact.slugPath), appDir, {
        maxBytes: options.maxSlugBytes,
        maxEntries: options.maxSlugEntries,
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
      if (runAs) {
        await chown(dir, runAs.uid, runAs.gid);
        await chown(appDir, runAs.uid, runAs.gid);
      }
      const port = spec.type === 'web' ? await pickFreePort(host) : null;
      const env = buildDynoEnv({
        config: spec.env,
        dyno: spec.name,
        port,
        home: appDir,
        path: options.path ?? `${appDir}/bin:/usr/local/bin:/usr/bin:/bin`,
      });
      // In the sandbox, setpriv switches to the app's user inside the namespace: the spawn itself stays root.
      const [file, ...argv] = sandboxedCommand(['bash', '-c', SLUG_LAUNCH_SCRIPT, 'dyno', spec.command], {
        pidNamespace,
        init: true,
        user: pidNamespace ? runAs : null,
      });
      const spawnAs = pidNamespace ? null : runAs;
      let proc: Launched;
      let io: Omit<AttachedDyno, 'dyno'>;
      let lines: ChildProcess | null = null;
      if (attach?.tty) {
        const term = spawnPty(file, argv, { cwd: appDir, env, runAs: spawnAs, cols: attach.cols ?? 80, rows: attach.rows ?? 24 });
        proc = term.launched;
        io = { stdin: term.stdin, stdout: term.stdout, stderr: null, resize: async (c, r) => term.resize(c, r) };
      } else {
        const child = spawn(file, argv, {
          cwd: appDir,
          env,
          detached: true, // own session and process group: stop() signals -pgid
          stdio: [attach ? 'pipe' : 'ignore', 'pipe', 'pipe'],
          ...(spawnAs ? { uid: spawnAs.uid, gid: spawnAs.gid } : {}),
        });
        await new Promise<void>((resolveSpawn, rejectSpawn) => {
          child.once('spawn', resolveSpawn);
          child.once('error', rejectSpawn);
        });
        proc = fromChild(child);
        if (!attach) lines = child;
        // A process that exits without reading its stdin must not turn the caller's writes into errors.
        child.stdin?.on('error', () => undefined);
        // Output is read at once into buffers the attach session consumes: a command that ends before its
        // client attaches keeps its output (up to ATTACHED_BUFFER_BYTES; beyond, the process waits for a reader).
        // (Only for attached dynos: a logged dyno's output is read by its line splitters, and an unread buffer
        // here would stop that reading once full.)
        const held = (stream: Readable) => (attach ? stream.pipe(new PassThrough({ highWaterMark: ATTACHED_BUFFER_BYTES })) : stream);
        io = { stdin: child.stdin!, stdout: held(child.stdout!), stderr: held(child.stderr!), resize: async () => undefined };
      }
      const dyno: Dyno = {
        id,
        app: spec.app,
        appId: spec.appId,
        releaseId: spec.releaseId,
        releaseVersion: spec.releaseVersion,
        type: spec.type,
        name: spec.name,
        command: spec.command,
        address: { host, port: port ?? 0 },
        startedAt: new Date(),
        running: true,
      };
      track(dyno, proc, dir, lines);
      if (closed) {
        // close() ran while this dyno was being set up (after its snapshot of the dynos): stop it here.
        const entry = entries.get(id)!;
        await (entry.stopping ??= stopEntry(id, entry, { graceMs: closeGraceMs }));
        throw new PlatformError(ErrorCodes.runtimeUnavailable, 'The process runtime is closed.');
      }
      if (options.registryDir) await recordDyno(options.registryDir, id, proc.pid);
      logger?.info({ dyno: id, app: spec.app, name: spec.name, pid: proc.pid, attached: Boolean(attach) }, 'dyno started');
      return { dyno: { ...dyno, address: { ...dyno.address } }, ...io };
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      if (isPlatformError(err)) throw err;
      throw new PlatformError(ErrorCodes.runtimeUnavailable, `Could not start dyno ${spec.name}.`, {
        cause: err,
        details: { app: spec.app, name: spec.name },
      });
    }
  }

  /** `lines`: a logged dyno's child, whose stdout/stderr become onOutput lines. */
  function track(dyno: Dyno, proc: Launched, dir: string, lines: ChildProcess | null): void {
    const pgid = proc.pid;
    let reportDone!: () => void;
    const entry: Entry = {
      dyno,
      proc,
      pgid,
      dir,
      requested: false,
      reported: new Promise<void>((r) => (reportDone = r)),
      drainTimer: null,
      stopping: null,
      startDrainTimer() {
        // Stdio may be held open by a process that escaped the group (setsid); don't wait forever.
        if (entry.drainTimer) return;
        entry.drainTimer = setTimeout(() => {
          proc.destroyOutput();
          finish();
        }, STDIO_DRAIN_MS);
        entry.drainTimer.unref();
      },
    };
    entries.set(dyno.id, entry);

    const base = { id: dyno.id, app: dyno.app, name: dyno.name };
    const splitters = lines
      ? (['stdout', 'stderr'] as const).map((stream) => {
          const splitter = createLineSplitter((line) => emitOutput({ ...base, stream, line, at: Date.now() }));
          lines[stream]!.on('data', (chunk: Buffer) => splitter.push(chunk));
          return splitter;
        })
      : [];

    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let finished = false;
    function finish(): void {
      if (finished) return;
      finished = true;
      if (entry.drainTimer) clearTimeout(entry.drainTimer);
      for (const splitter of splitters) splitter.flush();
      if (options.registryDir) void forgetDyno(options.registryDir, dyno.id).catch(() => undefined);
      emitExit({ ...base, code: exitCode, signal: exitSignal, requested: entry.requested });
      reportDone();
    }

    proc.onExit((code, signal) => {
      exitCode = code;
      exitSignal = signal;
      dyno.running = false;
      logger?.info({ dyno: dyno.id, app: dyno.app, name: dyno.name, code, signal }, 'dyno exited');
      if (!entry.requested) {
        // The main process is gone on its own: the dyno is over, so are its leftovers.
        signalGroup(pgid, 'SIGKILL');
        entry.startDrainTimer();
      }
      // When requested, stop() owns the group's grace period and starts the drain timer.
    });
    proc.onClose(finish);
  }

  async function stopEntry(id: string, entry: Entry, stopOptions: StopOptions): Promise<void> {
    const graceMs = stopOptions.graceMs ?? DEFAULT_GRACE_MS;
    if (entry.dyno.running) {
      entry.requested = true;
      signalGroup(entry.pgid, stopOptions.signal ?? 'SIGTERM');
      if (!(await waitGroupGone(entry.pgid, graceMs))) {
        logger?.warn(
          { dyno: id, app: entry.dyno.app, name: entry.dyno.name },
          'dyno did not exit within grace; SIGKILL',
        );
        signalGroup(entry.pgid, 'SIGKILL');
        if (!(await waitGroupGone(entry.pgid, KILL_WAIT_MS))) {
          logger?.error({ dyno: id, pgid: entry.pgid }, 'dyno process group still present after SIGKILL');
        }
      }
    }
    entry.startDrainTimer();
    await entry.reported;
    entries.delete(id);
    await rm(entry.dir, { recursive: true, force: true });
  }

  return {
    kind: 'process',
    start: async (spec) => (await launch(spec, null)).dyno,
    startAttached: (spec, attach) => launch(spec, { ...attach }),
    stop(id, stopOptions = {}) {
      const entry = entries.get(id);
      if (!entry) return Promise.resolve();
      entry.stopping ??= stopEntry(id, entry, stopOptions);
      return entry.stopping;
    },
    async list(filter = {}) {
      const out: Dyno[] = [];
      for (const { dyno } of entries.values()) {
        if (filter.app !== undefined && dyno.app !== filter.app) continue;
        out.push({ ...dyno, address: { ...dyno.address } });
      }
      return out;
    },
    onExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    onOutput(listener) {
      outputListeners.add(listener);
      return () => outputListeners.delete(listener);
    },
    async close() {
      closed = true;
      await Promise.all(
        [...entries.entries()].map(([id, entry]) => {
          entry.stopping ??= stopEntry(id, entry, { graceMs: closeGraceMs });
          return entry.stopping;
        }),
      );
    },
  };
}
