import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisServerPid as serverPid, type RedisAdminTarget as AdminTarget } from '@platform/addon-kit';
import type { RedisServerFiles } from './redis-config.ts';

/** The account a server runs as (Debian's `redis` user when platformd is root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/** The files of the add-on `addonId` (a validated UUID) under `<addons dir>/redis/`. */
export function serverFiles(redisRoot: string, addonId: string): RedisServerFiles & { log: string; port: string; adminPassword: string } {
  const dir = path.join(redisRoot, addonId.toLowerCase());
  return {
    dir,
    config: path.join(dir, 'redis.conf'),
    acl: path.join(dir, 'users.acl'),
    pid: path.join(dir, 'redis.pid'),
    data: path.join(dir, 'data'),
    log: path.join(dir, 'redis.log'),
    port: path.join(dir, 'port'),
    adminPassword: path.join(dir, 'admin.password'),
  };
}

/** Whether `pid` is alive. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in redis-server's pidfile, or null. */
export async function readPid(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/**
 * Whether `pid` is a live redis-server working in this add-on's data directory (so never another program's reused
 * pid). redis-server rewrites its argv into a title, so its working directory (the config's `dir`) is what tells.
 */
export async function isServerProcess(pid: number, dataDir: string): Promise<boolean> {
  const [cmdline, cwd] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
    readlink(`/proc/${pid}/cwd`).catch(() => ''),
  ]);
  return cmdline.startsWith('redis-server') && cwd === dataDir;
}

/** The last lines of a server's log, for an error. */
export async function logTail(file: string, lines = 8): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts redis-server on its config file, detached (a session of its own: it outlives platformd, which adopts it
 * at its next start), output appended to its log. Only the config file's path is in argv; no secret.
 */
export function launchServer(options: { binary: string; files: RedisServerFiles & { log: string }; runAs: RunAs | null }): ChildProcess {
  const log = openSync(options.files.log, 'a', 0o600);
  try {
    const child = spawn(options.binary, [options.files.config], {
      cwd: options.files.dir,
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    child.on('error', () => undefined); // a missing binary shows as an exit before ready
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/**
 * Waits until the server answers platformd's admin user with the child's own pid.
 *
 * @throws Error with the log's last lines when it exits first or does not answer within `timeoutMs`.
 */
export async function waitReady(child: ChildProcess, target: AdminTarget, logFile: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | null = null;
  child.once('error', (err) => (spawnError = err));
  while (Date.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      const failed = spawnError as NodeJS.ErrnoException | null;
      if (failed?.code === 'ENOENT') throw new Error("redis-server is not installed (Debian's redis-server: bash scripts/prerequisites.sh server)");
      const why = failed ? failed.message : `exit ${child.exitCode ?? child.signalCode}`;
      throw new Error(`redis-server ended before it was ready (${why}): ${await logTail(logFile)}`);
    }
    if (child.pid !== undefined && (await serverPid(target)) === child.pid) return;
    await sleep(100);
  }
  throw new Error(`redis-server did not answer on port ${target.port} in ${timeoutMs / 1000} s: ${await logTail(logFile)}`);
}

/** Stops a server: SIGTERM (it fsyncs its append-only file and exits), SIGKILL after `graceMs`. */
export async function stopServer(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  signal('SIGKILL');
  while (isAlive(pid)) await sleep(50);
}
