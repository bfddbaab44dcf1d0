import { spawn } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { RouterLogEntry } from '@platform/router-kit';
import { listenAccessLog } from './access-log.ts';
import { livePid, stopProxy } from './proxy-process.ts';

/** bin/log-keeper.mjs: plain JavaScript, run by the Node binary running platformd (no loader needed). */
const KEEPER_SCRIPT = fileURLToPath(new URL('../bin/log-keeper.mjs', import.meta.url));

/** The pid of the log keeper serving `dir`, when one runs (its pid file names a live process running the script). */
export async function logKeeperPid(dir: string): Promise<number | null> {
  const pid = Number.parseInt((await readFile(join(dir, 'log-keeper.pid'), 'utf8').catch(() => '')).trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) return null;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(KEEPER_SCRIPT) ? pid : null;
}

/**
 * Starts the access log's keeper for the proxy in `dir` unless one runs (bin/log-keeper.mjs says why: HAProxy
 * 2.6's ring forwarder spins on a failing connect while no platformd listens on log.sock; the keeper listens then
 * and keeps the lines for the next platformd). Detached, in a session of its own like the proxy; it exits once the
 * proxy's master has been gone for 10 s. `node` is the Node.js binary (platformd's own). Resolves to its pid.
 */
export async function ensureLogKeeper(dir: string, node: string): Promise<number> {
  const running = await logKeeperPid(dir);
  if (running !== null) return running;
  const child = spawn(node, [KEEPER_SCRIPT, dir], { detached: true, stdio: 'ignore' });
  child.unref();
  // Written here too, so the next upkeep tick finds it even before the keeper has written it; through a file of
  // this keeper's own (two platformds starting at once must not share a temporary file).
  const tmp = join(dir, `log-keeper.pid.${child.pid}`);
  await writeFile(tmp, `${child.pid}\n`, { mode: 0o600 });
  await rename(tmp, join(dir, 'log-keeper.pid'));
  return child.pid!;
}

/** Stops the log keeper of `dir` (the proxy stops for good); resolves once it has exited (5 s, then SIGKILL). */
export async function stopLogKeeper(dir: string): Promise<void> {
  const pid = await logKeeperPid(dir);
  if (pid === null) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while ((await logKeeperPid(dir)) === pid) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await delay(20);
  }
}

/**
 * Stops for good whatever serves the router directory `dir`: its HAProxy (haproxy.pid; stopProxy) and its log
 * keeper. For tools and tests that let a platformd go and then clean up its data plane, which outlives it by design.
 */
export async function stopRouterDir(dir: string): Promise<void> {
  const pid = await livePid(join(dir, 'haproxy.pid'));
  if (pid !== null) await stopProxy(pid);
  await stopLogKeeper(dir);
}

/**
 * platformd's end of the access log: listens on `socketPath` (listenAccessLog), and on each `check()` listens again
 * if the path no longer names its listener (the keeper bound it in the moment this one started), so the keeper
 * sees a platformd and hands over.
 */
export async function createAccessLogEndpoint(socketPath: string, onLog: (entry: RouterLogEntry) => void, onError: (err: unknown) => void) {
  let current = await listenAccessLog(socketPath, onLog, onError);
  return {
    async check(): Promise<void> {
      if (await current.owned()) return;
      const old = current;
      current = await listenAccessLog(socketPath, onLog, onError);
      await old.close();
    },
    close: () => current.close(),
  };
}
