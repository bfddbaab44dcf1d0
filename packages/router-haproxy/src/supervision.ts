import type { ControlSocket } from './control-socket.ts';
import type { proxyFiles } from './haproxy-config.ts';
import { awaitSupervisedProxy, launchProxy, livePid, masterPidOf, reloadProxy, signalReload, socketReload, stopProxy } from './proxy-process.ts';
import type { RouterLogger } from './router.ts';
import { ensureLogKeeper, stopLogKeeper } from './log-keeper.ts';

/**
 * The life of the HAProxy process, by who supervises it:
 * - `platformd`: this driver starts it detached (`-W -D`), signals its master to reload, starts it again if it
 *   dies, and stops it on `stopProxy`;
 * - `external`: a supervisor (a compose or Swarm service running bin/supervised-haproxy.sh) starts it from the
 *   files and starts it again when it exits; the driver waits for it, reloads it through the master CLI
 *   (`reload`; another container's pid cannot be signalled) and never stops it.
 */
export interface ProxySupervision {
  /** The master pid of a proxy already serving (to adopt), else null. */
  running(): Promise<number | null>;
  /** Starts the proxy from the files just written (or waits for its supervisor to); resolves to its master pid. */
  launch(): Promise<number>;
  /** A seamless reload of the proxy whose master is `pid`. */
  reload(pid: number): Promise<void>;
  /**
   * One upkeep check. `up`: serving; `down`: not answering, its supervisor will act (external only);
   * `{ restarted }`: a new proxy process serves from the files (anything the old one had pending is gone).
   */
  upkeep(pid: number): Promise<'up' | 'down' | { restarted: number }>;
  /** Stops the proxy for good (platformd supervision); a supervised one is left to its supervisor. */
  stop(pid: number | null): Promise<void>;
}

export interface SupervisionOptions {
  supervisor: 'platformd' | 'external';
  binary: string;
  files: ReturnType<typeof proxyFiles>;
  control: ControlSocket;
  master: ControlSocket;
  /** External: how long `launch` waits for the proxy, in ms. */
  startTimeoutMs: number;
  /**
   * platformd: keep the access log's keeper (log-keeper.ts) running beside the proxy, so that its ring forwarder
   * never spins while no platformd listens: the router's directory and the Node.js binary to run it. Null: the
   * proxy logs nothing (no forwarder), or another supervisor runs it.
   */
  logKeeper: { dir: string; node: string } | null;
  logger?: RouterLogger | undefined;
}

export function createProxySupervision(o: SupervisionOptions): ProxySupervision {
  if (o.supervisor === 'external') {
    let down = false;
    return {
      running: async () => ((await o.control.alive()) ? masterPidOf(o.master) : null),
      launch: () => awaitSupervisedProxy(o.master, o.control, o.startTimeoutMs),
      reload: () => reloadProxy(socketReload(o.master), o.control),
      async upkeep() {
        if (!(await o.control.alive())) {
          if (!down) o.logger?.error({}, 'HAProxy is not answering: waiting for its supervisor to start it again');
          down = true;
          return 'down';
        }
        if (!down) return 'up';
        down = false;
        const pid = (await masterPidOf(o.master)) ?? 0;
        o.logger?.info({ pid }, 'HAProxy answers again (started by its supervisor from the files)');
        return { restarted: pid };
      },
      stop: async () => undefined,
    };
  }
  const keeper = o.logKeeper;
  const keep = async <T>(value: T): Promise<T> => (keeper && (await ensureLogKeeper(keeper.dir, keeper.node)), value);
  return {
    async running() {
      const pid = await livePid(o.files.pid);
      return pid !== null && (await o.control.alive()) ? keep(pid) : null;
    },
    launch: async () => keep(await launchProxy(o.binary, o.files, o.control)),
    reload: (pid) => reloadProxy(signalReload(pid), o.control),
    async upkeep(pid) {
      if ((await livePid(o.files.pid)) !== null) return keep('up' as const);
      o.logger?.error({ pid }, 'HAProxy is gone: starting it again');
      return { restarted: await keep(await launchProxy(o.binary, o.files, o.control)) };
    },
    async stop(pid) {
      const live = pid ?? (await livePid(o.files.pid));
      if (live !== null) await stopProxy(live);
      if (keeper) await stopLogKeeper(keeper.dir);
    },
  };
}
