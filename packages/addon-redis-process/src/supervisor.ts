import { readdir } from 'node:fs/promises';
import { ErrorCodes, PlatformError } from '@platform/types';
import { redisServerPid as serverPid, type RedisAdminTarget as AdminTarget } from '@platform/addon-kit';
import { keptSecret, readPort } from './files.ts';
import { isAlive, isServerProcess, launchServer, readPid, serverFiles, stopServer, waitReady, type RunAs } from './server.ts';

/** The logger calls the provider makes (pino's shape). */
export interface AddonLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The files of one add-on's server. */
export type ServerFiles = ReturnType<typeof serverFiles>;

/** Keeps add-on servers running: adoption, starts, restarts of dead ones, stops; one operation per add-on at a time. */
export interface Supervisor {
  files(id: string): ServerFiles;
  /** Runs `fn` alone for this add-on (provision, rotation, restart and removal never interleave). */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** How platformd reaches the add-on's server as its admin user. */
  adminTarget(files: ServerFiles): Promise<AdminTarget>;
  /** Adopts the add-on's running server, or starts it; resolves with its pid once it answers. Call it locked. */
  ensureRunning(id: string): Promise<number>;
  /** Watches an add-on whose server could not start now, so that it is retried. */
  watch(id: string): void;
  /** Stops the add-on's server if it runs, and stops watching it. Call it locked. */
  stop(id: string): Promise<void>;
  /** The pid of the add-on's live server, or null. */
  pidOf(id: string): Promise<number | null>;
  /** The ids of the add-ons that have a directory. */
  existing(): Promise<string[]>;
  close(): Promise<void>;
}

interface Watched {
  pid: number;
  failures: number;
  nextTryAt: number;
}

const UUID_DIR = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The supervisor of the add-on servers under `root` (`<addons>/redis`). A server that dies while it watches is
 * started again (every `checkIntervalMs`; 1 s, 2 s, 4 s … 30 s apart while it keeps failing).
 */
export function createSupervisor(options: {
  root: string;
  binary: string;
  account: () => Promise<RunAs | null>;
  checkIntervalMs: number;
  logger?: AddonLogger | undefined;
}): Supervisor {
  const log = options.logger;
  const watched = new Map<string, Watched>();
  const locks = new Map<string, Promise<unknown>>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const files = (id: string) => serverFiles(options.root, id);

  const locked = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const run = (locks.get(id) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    locks.set(id, tail);
    void tail.then(() => locks.get(id) === tail && locks.delete(id));
    return run;
  };

  const adminTarget = async (f: ServerFiles): Promise<AdminTarget> => {
    const port = await readPort(f.port);
    if (port === null) throw new PlatformError(ErrorCodes.addonNotFound, `The Redis server in ${f.dir} has no port.`);
    return { host: '127.0.0.1', port, password: await keptSecret(f.adminPassword) };
  };

  const watch = (id: string, pid = 0): number => {
    watched.set(id, { pid, failures: 0, nextTryAt: 0 });
    timer ??= setInterval(() => void tick(), options.checkIntervalMs).unref();
    return pid;
  };

  const ensureRunning = async (id: string): Promise<number> => {
    const f = files(id);
    const target = await adminTarget(f);
    const pid = await readPid(f.pid);
    if (pid !== null && isAlive(pid) && (await isServerProcess(pid, f.data))) {
      if ((await serverPid(target)) === pid) return watch(id, pid);
      log?.warn({ addon: id, pid }, 'a Redis add-on server does not answer; restarting it');
      await stopServer(pid);
    }
    const child = launchServer({ binary: options.binary, files: f, runAs: await options.account() });
    try {
      await waitReady(child, target, f.log);
    } catch (err) {
      if (child.pid !== undefined && isAlive(child.pid)) await stopServer(child.pid);
      const why = (err as Error).message.split('\n')[0];
      throw new PlatformError(ErrorCodes.addonProvisionFailed, `The Redis server of add-on ${id} did not start: ${why}`, { cause: err });
    }
    log?.info({ addon: id, pid: child.pid, port: target.port }, 'Redis add-on server started');
    return watch(id, child.pid ?? 0);
  };

  const tick = async () => {
    for (const [id, w] of watched) {
      if (closed || locks.has(id) || (w.pid > 0 && isAlive(w.pid)) || Date.now() < w.nextTryAt) continue;
      await locked(id, async () => {
        if (!watched.has(id)) return; // removed meanwhile
        log?.warn({ addon: id, pid: w.pid }, 'a Redis add-on server is not running; starting it again');
        await ensureRunning(id);
      }).catch((err: unknown) => {
        w.failures += 1;
        w.nextTryAt = Date.now() + Math.min(30_000, 1000 * 2 ** (w.failures - 1));
        log?.error({ err, addon: id, failures: w.failures }, 'a Redis add-on server did not start again');
      });
    }
  };

  const pidOf = async (id: string): Promise<number | null> => {
    const f = files(id);
    const pid = await readPid(f.pid);
    return pid !== null && isAlive(pid) && (await isServerProcess(pid, f.data)) ? pid : null;
  };

  return {
    files,
    locked,
    adminTarget,
    ensureRunning,
    watch: (id) => void (watched.has(id) || watch(id)),
    async stop(id) {
      const pid = await pidOf(id);
      watched.delete(id);
      if (pid !== null) await stopServer(pid);
    },
    pidOf,
    existing: async () => (await readdir(options.root).catch(() => [] as string[])).filter((name) => UUID_DIR.test(name)),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = null;
      await Promise.all([...locks.values()]);
    },
  };
}
