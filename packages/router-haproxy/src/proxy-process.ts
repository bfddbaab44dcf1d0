import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { ErrorCodes, PlatformError } from '@platform/types';
import { createControlSocket, type ControlSocket } from './control-socket.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The master pid a pid file names, when that process is alive (not a zombie) and is HAProxy (not a recycled pid); else null. */
export async function livePid(pidFile: string): Promise<number | null> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim().split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 1) return null;
  // /proc/<pid>/stat: `<pid> (<comm>) <state> …`; a zombie (Z, an exited master init has not reaped yet) is gone.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return /^\d+ \(haproxy\) [^Z]/.test(stat) ? pid : null;
}

/**
 * Starts HAProxy in master-worker daemon mode (`-W -D`): the command exits once the master is up, leaving it in
 * a session of its own (spawned detached), so it survives platformd's death. The config is checked first
 * (`-c`), so a bad one is reported with HAProxy's own words and nothing starts. Resolves to the master's pid.
 */
export async function launchProxy(binary: string, files: { config: string; pid: string; masterSocket: string }, control: ControlSocket): Promise<number> {
  await run(binary, ['-c', '-f', files.config]);
  await run(binary, ['-W', '-D', '-p', files.pid, '-S', `${files.masterSocket},mode,600`, '-f', files.config]);
  // Started once its worker answers on the control socket and its master on the master socket: a master still
  // starting up would ignore a reload signal.
  const master = createControlSocket(files.masterSocket);
  for (let i = 0; i < 250; i++) {
    const pid = await livePid(files.pid);
    if (pid !== null && (await control.alive()) && /^\d+\s+master\s/m.test(await master.send('show proc').catch(() => ''))) return pid;
    await delay(20);
  }
  throw new PlatformError(ErrorCodes.routerUnavailable, `HAProxy started but wrote no pid to ${files.pid}`);
}

/** Checks a config (and the certificates it loads) without touching the running proxy; throws HAProxy's words. */
export function checkConfig(binary: string, config: string): Promise<void> {
  return run(binary, ['-c', '-f', config]);
}

function run(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
    child.on('error', (err) => reject(new PlatformError(ErrorCodes.routerUnavailable, `cannot run ${binary}: ${err.message}`, { cause: err })));
    child.on('exit', (code, signal) => {
      // The daemonised master may keep the stderr pipe: do not wait for it to close.
      child.stderr.destroy();
      if (code === 0) resolve();
      else reject(new PlatformError(ErrorCodes.routerUnavailable, `${binary} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(-1_000)}`));
    });
  });
}

/**
 * A seamless reload: `kick` asks the master to reload (SIGUSR2 to a master platformd started; the master CLI's
 * `reload` for one a supervisor runs in another container), a new worker reads the config and takes over the
 * listening sockets (`expose-fd listeners`), the old one finishes its connections (WebSockets included, up to
 * `hard-stop-after`). Resolves once the control socket answers from the new worker, several times in a row, so
 * that later runtime commands reach it and not the old one. Throws PLT_ROUTER_UNAVAILABLE after `timeoutMs`.
 */
export async function reloadProxy(kick: () => Promise<void> | void, control: ControlSocket, timeoutMs = 15_000): Promise<void> {
  const before = workerPid(await control.send('show info'));
  await kick();
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  let resendAt = Date.now() + 1_000;
  while (Date.now() < deadline) {
    await delay(20);
    const now = workerPid(await control.send('show info').catch(() => ''));
    streak = now !== null && now !== before ? streak + 1 : 0;
    if (streak >= 3) return;
    // A master still starting up ignores the request: ask again.
    if (streak === 0 && Date.now() > resendAt) {
      await kick();
      resendAt = Date.now() + 1_000;
    }
  }
  throw new PlatformError(ErrorCodes.routerUnavailable, `HAProxy did not reload within ${timeoutMs} ms`);
}

/** Asks a master started by this platformd to reload. */
export const signalReload = (masterPid: number) => () => {
  process.kill(masterPid, 'SIGUSR2');
};

/**
 * Asks a master over its master CLI (`-S <socket>`) to reload: the way to reach a proxy another container runs,
 * whose pid platformd cannot signal. The master re-executes itself, so the connection ends without an answer.
 */
export const socketReload = (master: ControlSocket) => async () => {
  await master.send('reload').catch(() => '');
};

/** The master's pid as it sees itself (`show proc` on the master CLI; another container's pid namespace), or null. */
export async function masterPidOf(master: ControlSocket): Promise<number | null> {
  const m = /^(\d+)\s+master\s/m.exec(await master.send('show proc').catch(() => ''));
  return m ? Number(m[1]) : null;
}

/**
 * Waits for a proxy a supervisor runs (a compose or Swarm service) to answer on its master and control
 * sockets; resolves to the master's pid in its own namespace. Throws PLT_ROUTER_UNAVAILABLE after `timeoutMs`.
 */
export async function awaitSupervisedProxy(master: ControlSocket, control: ControlSocket, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await masterPidOf(master);
    if (pid !== null && (await control.alive())) return pid;
    if (Date.now() > deadline) {
      throw new PlatformError(
        ErrorCodes.routerUnavailable,
        `HAProxy did not answer on ${master.path} within ${timeoutMs} ms: it runs outside platformd here (PLATFORM_HAPROXY_SUPERVISOR=external); start its service (docker-compose: the router service)`,
      );
    }
    await delay(200);
  }
}

/** The pids `show proc` (master CLI) lists as current workers, not the old ones still finishing connections. */
function currentWorkers(proc: string): number[] {
  const pids: number[] = [];
  let section = '';
  for (const line of proc.split('\n')) {
    if (line.startsWith('#')) section = line.trim();
    const m = /^(\d+)\s+worker\s/.exec(line);
    if (m && section === '# workers') pids.push(Number(m[1]));
  }
  return pids;
}

/**
 * Waits until the control socket is answered by the master's current worker, several times in a row: a proxy
 * reloading (the previous platformd asked, then died) answers from its old worker for a moment, and a runtime
 * change sent there would be lost with it. Adoption waits for this before it reads or changes anything.
 * Throws PLT_ROUTER_UNAVAILABLE after `timeoutMs`.
 */
export async function awaitCurrentWorker(master: ControlSocket, control: ControlSocket, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (Date.now() < deadline) {
    const current = currentWorkers(await master.send('show proc').catch(() => ''));
    const answering = workerPid(await control.send('show info').catch(() => ''));
    streak = answering !== null && current.includes(answering) ? streak + 1 : 0;
    if (streak >= 3) return;
    await delay(20);
  }
  throw new PlatformError(ErrorCodes.routerUnavailable, `HAProxy's control socket was not answered by its current worker within ${timeoutMs} ms`);
}

function workerPid(info: string): number | null {
  const m = /^Pid: (\d+)$/m.exec(info);
  return m ? Number(m[1]) : null;
}

/** Stops HAProxy for good: SIGTERM to the master (workers close at once), SIGKILL after `graceMs`. */
export async function stopProxy(pid: number, graceMs = 5_000): Promise<void> {
  // An exited master stays a zombie until its parent (init, it is a daemon) reaps it: that counts as gone.
  const alive = async () => /^\d+ \(.*\) [^Z]/.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  if (!(await alive())) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ((await alive()) && Date.now() < deadline) await delay(20);
  if (await alive()) process.kill(pid, 'SIGKILL');
  while (await alive()) await delay(20);
}

/** A TCP port free on `host` now (bound, then released for HAProxy to bind). */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
