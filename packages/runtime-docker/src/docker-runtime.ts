import { PassThrough, Writable } from 'node:stream';
import type Docker from 'dockerode';
import {
  ErrorCodes,
  PlatformError,
  isPlatformError,
  type AttachedDyno,
  type AttachOptions,
  type Dyno,
  type DynoExit,
  type DynoOutput,
  type DynoSize,
  type DynoSpec,
  type Runtime,
  type StopOptions,
} from '@platform/types';
import { dockerError, dockerStatus, isNotFound, type RuntimeLogger } from './docker-errors.ts';
import {
  LABEL,
  containerOptions,
  dynoFromContainer,
  exitFromStatus,
  isManaged,
  validateSpec,
  type ContainerFacts,
} from './dyno-container.ts';
import { createLineSplitter } from '@platform/runtime-kit';
import { demuxBuffer, sinceParam, splitTimestamp, type LogFrame } from './log-frames.ts';

export interface DockerRuntimeOptions {
  /** A dockerode client, created by the app. */
  docker: Docker;
  logger?: RuntimeLogger | undefined;
  /** Bridge network the dynos join (created if missing). The router must reach it. Default `platform`. */
  network?: string | undefined;
  /** Limits when a spec has no size. Default 512 MiB, 256 pids. */
  defaultSize?: DynoSize | undefined;
  /** Container user. Default `1000:1000` (the stack's `dyno` user). */
  user?: string | undefined;
  /** $PORT inside every dyno (each container has its own IP). Default 5000. */
  port?: number | undefined;
  /**
   * This platform instance's id, stored in every container's `platform.managed` label: list, adopt and stop
   * only ever see containers with our id, so several platforms can share one Docker engine. Default `1` (the
   * value before ids existed). [A-Za-z0-9_.-], 1–64 characters.
   */
  instance?: string | undefined;
}

const DEFAULT_GRACE_MS = 30_000;
/** Marks containers of attached one-offs (their output is a TTY stream or the caller's, not the log stream). */
const ATTACHED_LABEL = 'platform.attached';
/** After the main process exits, how long the log stream may take to deliver its last lines. */
const LOG_DRAIN_MS = 2_000;
/** After SIGKILL, how long to wait for the engine to report the exit. */
const KILL_WAIT_MS = 10_000;

interface Watch {
  dyno: Dyno;
  requested: boolean;
  /** Resolves once the exit was reported (or the watch was detached by close()). */
  reported: Promise<void>;
  detach(): void;
}

export function createDockerRuntime(options: DockerRuntimeOptions): Runtime {
  const { docker, logger } = options;
  const network = options.network ?? 'platform';
  const instance = options.instance ?? '1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) throw new PlatformError(ErrorCodes.invalidParams, 'Invalid platform instance id.');
  const settings = {
    instance,
    network,
    user: options.user ?? '1000:1000',
    port: options.port ?? 5000,
    size: options.defaultSize ?? { memoryMb: 512, pids: 256 },
  };
  const watches = new Map<string, Watch>();
  const stopping = new Map<string, Promise<void>>();
  const exitListeners = new Set<(exit: DynoExit) => void>();
  const outputListeners = new Set<(output: DynoOutput) => void>();
  let networkReady: Promise<void> | null = null;
  let closed = false;

  function emit<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        logger?.error({ err }, 'runtime listener failed');
      }
    }
  }

  function ensureNetwork(): Promise<void> {
    networkReady ??= (async () => {
      const found = await docker.listNetworks({ filters: { name: [network] } });
      if (found.some((n) => n.Name === network)) return;
      try {
        await docker.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABEL.managed]: '1' } });
        logger?.info({ network }, 'docker network created');
      } catch (err) {
        if (dockerStatus(err) !== 409) throw dockerError(`create network ${network}`, err); // 409: created meanwhile
      }
    })().catch((err) => {
      networkReady = null;
      throw err instanceof PlatformError ? err : dockerError(`inspect network ${network}`, err);
    });
    return networkReady;
  }

  /**
   * Follows a container's output and exit. `fromStart`: a fresh dyno (replay all); adopted ones: new lines only.
   * `attachedOutput`: an attached dyno's output belongs to its caller; its exit is reported once that has ended.
   */
  function watch(dyno: Dyno, fromStart: boolean, attachedOutput?: Promise<void>): Watch {
    const container = docker.getContainer(dyno.id);
    const abort = new AbortController();
    let logStream: NodeJS.ReadableStream | null = null;
    let exited = false;
    let reportDone!: () => void;
    const entry: Watch = {
      dyno,
      requested: false,
      reported: new Promise<void>((resolve) => (reportDone = resolve)),
      detach() {
        abort.abort();
        (logStream as { destroy?: () => void } | null)?.destroy?.();
        reportDone();
      },
    };
    watches.set(dyno.id, entry);
    const base = { id: dyno.id, app: dyno.app, name: dyno.name };
    const splitters = {
      stdout: createLineSplitter((line) => emitLine('stdout', line)),
      stderr: createLineSplitter((line) => emitLine('stderr', line)),
    };
    function emitLine(stream: 'stdout' | 'stderr', line: string): void {
      if (!abort.signal.aborted) emit(outputListeners, { ...base, stream, line, at: Date.now() });
    }
    // Per stream, the newest timestamp delivered (the engine stamps stdout and stderr separately, so
    // their entries interleave out of order); adopted dynos start from now (their past is not replayed).
    const since = fromStart ? 0n : BigInt(Date.now()) * 1_000_000n;
    const lastNs = { stdout: since, stderr: since };
    /** Entries already delivered are skipped: follows may be re-opened and the log is re-read after exit. */
    function takeFrame(frame: LogFrame): void {
      const stamped = splitTimestamp(frame.payload);
      if (stamped) {
        if (stamped.ns <= lastNs[frame.stream]) return;
        lastNs[frame.stream] = stamped.ns;
      }
      splitters[frame.stream].push(stamped ? stamped.rest : frame.payload);
    }
    const sinceDelivered = () => sinceParam(lastNs.stdout < lastNs.stderr ? lastNs.stdout : lastNs.stderr);
    const sink = (stream: 'stdout' | 'stderr') =>
      new Writable({ write: (payload: Buffer, _enc, done) => (takeFrame({ stream, payload }), done()) });

    const logsEnded = attachedOutput ?? (async () => {
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        const stream = (await container.logs({
          follow: true,
          stdout: true,
          stderr: true,
          timestamps: true,
          ...(attempt > 0 ? { since: sinceDelivered() } : fromStart ? {} : { tail: 0 }),
        })) as unknown as NodeJS.ReadableStream;
        logStream = stream;
        if (abort.signal.aborted) return (stream as { destroy?: () => void }).destroy?.();
        // demuxStream writes one payload per frame: each write is one timestamped log entry.
        docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
        await new Promise<void>((resolve) => {
          stream.once('end', resolve);
          stream.once('close', resolve);
          stream.once('error', resolve);
        });
        if (abort.signal.aborted || exited) return;
        // The engine may end a follow while the dyno still runs (seen right after start, under load): follow again.
        const info = await container.inspect().catch(() => null);
        if (!info?.State.Running) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1_000)));
      }
    })().catch((e) => logger?.warn({ err: e, dyno: dyno.id }, 'dyno log stream failed'));

    /** After exit: read what the follow stream missed (the engine may end it before the last line is written). */
    async function readRest(): Promise<void> {
      try {
        const rest = (await container.logs({
          follow: false,
          stdout: true,
          stderr: true,
          timestamps: true,
          since: sinceDelivered(),
        })) as unknown as Buffer;
        if (Buffer.isBuffer(rest)) for (const frame of demuxBuffer(rest)) takeFrame(frame);
      } catch (e) {
        if (!isNotFound(e)) logger?.warn({ err: e, dyno: dyno.id }, 'reading the last dyno output failed');
      }
    }

    void (async () => {
      let status: number | null = null;
      try {
        const result = (await container.wait({ abortSignal: abort.signal })) as { StatusCode?: number };
        status = typeof result.StatusCode === 'number' ? result.StatusCode : null;
      } catch (e) {
        if (abort.signal.aborted) return;
        if (!isNotFound(e)) logger?.warn({ err: e, dyno: dyno.id }, 'waiting for dyno failed');
      }
      if (abort.signal.aborted) return;
      exited = true;
      dyno.running = false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([logsEnded, new Promise<void>((r) => (timer = setTimeout(r, LOG_DRAIN_MS)))]);
      clearTimeout(timer);
      (logStream as { destroy?: () => void } | null)?.destroy?.();
      if (abort.signal.aborted) return;
      if (!attachedOutput) await readRest();
      if (abort.signal.aborted) return;
      splitters.stdout.flush();
      splitters.stderr.flush();
      const exit = exitFromStatus(status);
      // The kernel's OOM killer ended it: the manager names that as Heroku does (R15).
      const facts = await container.inspect().catch(() => null);
      const outOfMemory = facts?.State.OOMKilled ? { limitMb: Math.round((facts.HostConfig.Memory ?? 0) / 1024 / 1024) } : undefined;
      logger?.info({ dyno: dyno.id, app: dyno.app, name: dyno.name, ...exit, outOfMemory }, 'dyno exited');
      emit(exitListeners, { ...base, ...exit, requested: entry.requested, ...(outOfMemory ? { outOfMemory } : {}) });
      reportDone();
    })();
    return entry;
  }

  async function start(spec: DynoSpec): Promise<Dyno> {
    if (closed) throw new PlatformError(ErrorCodes.runtimeUnavailable, 'The docker runtime is closed.');
    validateSpec(spec);
    await ensureNetwork();
    const createOptions = containerOptions(spec, settings);
    let container: Docker.Container;
    try {
      container = await docker.createContainer(createOptions);
    } catch (err) {
      if (isNotFound(err)) {
        throw new PlatformError(
          ErrorCodes.runtimeUnavailable,
          `Image ${spec.artifact.image} is missing on this Docker host (rebuild the app).`,
          { cause: err, details: { app: spec.app, image: spec.artifact.image } },
        );
      }
      throw dockerError(`create dyno ${spec.name}`, err, { app: spec.app });
    }
    try {
      await container.start();
      const info = await container.inspect();
      const dyno = dynoFromContainer({
        id: info.Id,
        labels: info.Config.Labels ?? {},
        running: true, // reported by wait() from here on
        ip: info.NetworkSettings.Networks[network]?.IPAddress ?? '',
        startedAt: new Date(info.State.StartedAt),
      });
      watch(dyno, true);
      logger?.info({ dyno: dyno.id, app: spec.app, name: spec.name, ip: dyno.address.host }, 'dyno started');
      return copy(dyno);
    } catch (err) {
      await container.remove({ force: true }).catch(() => {});
      throw dockerError(`start dyno ${spec.name}`, err, { app: spec.app });
    }
  }

  /**
   * An attached one-off: the container is created with stdin open (and a TTY when asked), attached before it
   * starts so no output is lost, and its output is handed to the caller instead of the log stream.
   */
  async function startAttached(spec: DynoSpec, attach: AttachOptions): Promise<AttachedDyno> {
    if (closed) throw new PlatformError(ErrorCodes.runtimeUnavailable, 'The docker runtime is closed.');
    validateSpec(spec);
    await ensureNetwork();
    const base = containerOptions(spec, settings);
    const createOptions: Docker.ContainerCreateOptions = {
      ...base,
      Labels: { ...base.Labels, [ATTACHED_LABEL]: attach.tty ? 'tty' : 'pipe' },
      Tty: attach.tty,
      OpenStdin: true,
      StdinOnce: true, // stdin closes when the attach stream half-closes (EOF)
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    };
    let container: Docker.Container;
    try {
      container = await docker.createContainer(createOptions);
    } catch (err) {
      throw dockerError(`create dyno ${spec.name}`, err, { app: spec.app });
    }
    try {
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream & {
        destroy?: () => void;
      };
      const stdout = new PassThrough();
      const stderr = attach.tty ? null : new PassThrough();
      const ended = new Promise<void>((resolve) => {
        let done = false;
        const end = () => {
          if (done) return;
          done = true;
          stdout.end();
          stderr?.end();
          resolve();
        };
        stream.once('end', end);
        stream.once('close', end);
        stream.once('error', end);
      });
      if (attach.tty) stream.on('data', (chunk: Buffer) => stdout.write(chunk));
      else docker.modem.demuxStream(stream, stdout, stderr!);
      const stdin = new Writable({
        write(chunk: Buffer, _encoding, done) {
          stream.write(chunk);
          done();
        },
        // Without a TTY, EOF is the half-close of the attach stream; with one, the terminal's EOF character.
        final(done) {
          if (attach.tty) stream.write('\x04');
          else stream.end();
          done();
        },
      });
      await container.start();
      const resize = async (cols: number, rows: number) => {
        if (!attach.tty) return;
        await container.resize({ w: cols, h: rows }).catch((err: unknown) => {
          if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError('resize dyno', err);
        });
      };
      await resize(attach.cols ?? 80, attach.rows ?? 24);
      const info = await container.inspect();
      const dyno = dynoFromContainer({
        id: info.Id,
        labels: info.Config.Labels ?? {},
        running: true,
        ip: info.NetworkSettings.Networks[network]?.IPAddress ?? '',
        startedAt: new Date(info.State.StartedAt),
      });
      watch(dyno, true, ended);
      logger?.info({ dyno: dyno.id, app: spec.app, name: spec.name, tty: attach.tty }, 'attached dyno started');
      return { dyno: copy(dyno), stdin, stdout, stderr, resize };
    } catch (err) {
      await container.remove({ force: true }).catch(() => {});
      throw isPlatformError(err) ? err : dockerError(`start dyno ${spec.name}`, err, { app: spec.app });
    }
  }

  async function stopContainer(id: string, stopOptions: StopOptions): Promise<void> {
    const container = docker.getContainer(id);
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (err) {
      if (isNotFound(err)) return forget(id);
      throw dockerError('inspect dyno', err, { id });
    }
    if (!isManaged(info.Config.Labels, instance)) return; // never touch containers this platform did not start
    const entry = watches.get(info.Id) ?? (closed ? undefined : watch(factsToDyno(info), false));
    const exited = entry ? entry.reported : container.wait().then(() => {});
    if (info.State.Running) {
      if (entry) entry.requested = true;
      await kill(container, stopOptions.signal ?? 'SIGTERM');
      if (!(await within(exited, stopOptions.graceMs ?? DEFAULT_GRACE_MS))) {
        logger?.warn({ dyno: id }, 'dyno did not exit within grace; SIGKILL');
        await kill(container, 'SIGKILL');
        if (!(await within(exited, KILL_WAIT_MS))) logger?.error({ dyno: id }, 'no exit reported after SIGKILL');
      }
    } else {
      await within(exited, LOG_DRAIN_MS);
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      // 404: already gone; 409: removal already in progress.
      if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError('remove dyno', err, { id });
    }
    forget(info.Id);
  }

  function forget(id: string): void {
    const entry = watches.get(id);
    if (entry) {
      entry.detach();
      watches.delete(id);
    }
  }

  async function kill(container: Docker.Container, signal: string): Promise<void> {
    try {
      await container.kill({ signal });
    } catch (err) {
      // 404 gone, 409 not running: both mean there is nothing left to signal.
      if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError(`signal dyno (${signal})`, err);
    }
  }

  function factsToDyno(info: Docker.ContainerInspectInfo): Dyno {
    return dynoFromContainer({
      id: info.Id,
      labels: info.Config.Labels ?? {},
      running: info.State.Running,
      ip: info.NetworkSettings.Networks[network]?.IPAddress ?? '',
      startedAt: new Date(info.State.StartedAt),
    });
  }

  return {
    kind: 'docker',
    start,
    startAttached,
    stop(id, stopOptions = {}) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(id)) return Promise.resolve();
      let pending = stopping.get(id);
      if (!pending) {
        pending = stopContainer(id, stopOptions).finally(() => stopping.delete(id));
        stopping.set(id, pending);
      }
      return pending;
    },
    async list(filter = {}) {
      const labels = [`${LABEL.managed}=${instance}`, ...(filter.app !== undefined ? [`${LABEL.app}=${filter.app}`] : [])];
      let containers: Docker.ContainerInfo[];
      try {
        containers = await docker.listContainers({ all: true, filters: { label: labels } });
      } catch (err) {
        throw dockerError('list dynos', err);
      }
      const dynos: Dyno[] = [];
      for (const c of containers) {
        const known = watches.get(c.Id);
        const facts: ContainerFacts = {
          id: c.Id,
          labels: c.Labels ?? {},
          running: c.State === 'running' || c.State === 'paused' || c.State === 'restarting',
          ip: c.NetworkSettings?.Networks?.[network]?.IPAddress || known?.dyno.address.host || '',
          startedAt: known?.dyno.startedAt ?? new Date(c.Created * 1000),
        };
        if (c.State === 'created' || c.State === 'removing') continue; // being started or removed right now
        const dyno = dynoFromContainer(facts);
        if (known) dyno.running = known.dyno.running && facts.running;
        // Adoption: a dyno started by an earlier server (or another runtime instance) gets watched.
        // (An attached one-off's output went to its caller, whose connection died with the old server: not followed.)
        else if (!closed) watch({ ...dyno, address: { ...dyno.address } }, false, c.Labels?.[ATTACHED_LABEL] ? Promise.resolve() : undefined);
        dynos.push(dyno);
      }
      return dynos;
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
      // Containers keep running, to be adopted by the next runtime over this engine.
      closed = true;
      for (const entry of watches.values()) entry.detach();
      watches.clear();
    },
  };
}

function copy(dyno: Dyno): Dyno {
  return { ...dyno, address: { ...dyno.address }, startedAt: new Date(dyno.startedAt) };
}

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
