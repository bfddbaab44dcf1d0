import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { checkChallenge, type RouterLogEntry } from '@platform/router-kit';
import { ErrorCodes, PlatformError, type Router, type RouterCertificate } from '@platform/types';
import { countCertificates, installCertificates } from './certificates.ts';
import { createAccessLogEndpoint } from './log-keeper.ts';
import { createControlSocket } from './control-socket.ts';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, defaultThreads, proxyFiles, renderChallenges, renderConfig, renderMaps, serverLimits, type PlatformApiRoute, type ProxyLimits, type ProxyTimeouts } from './haproxy-config.ts';
import { readLiveState, type LeftoverServer } from './live-state.ts';
import { awaitCurrentWorker, freePort } from './proxy-process.ts';
import { createProxySupervision } from './supervision.ts';
import { createChanges } from './changes.ts';
import { createBatchedWriter, createSerialQueue, prepareDir, setMapEntry, sweepLeftovers, writeAtomic } from './runtime-ops.ts';
import type { ProxyState } from './proxy-state.ts';
import { createSparePool, DEFAULT_SPARE_BACKENDS } from './spare-pool.ts';

export interface RouterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface HaproxyRouterOptions {
  /** The HAProxy binary (Debian's `haproxy` package). Default `/usr/sbin/haproxy`. */
  binary?: string | undefined;
  /** The proxy's own directory (config, maps, pages, pid file, control socket), e.g. `<data dir>/router`. */
  dir: string;
  /** Apps are served at `<app>.<domain>`. */
  domain: string;
  /** Where the proxy accepts plain HTTP. Port 0: the adopted proxy's port, else a free one (see `port()`). */
  listen: { host: string; port: number };
  /** The TLS port (same host), served while certificates are set; port 0 as for `listen`. Default: no TLS. */
  tlsPort?: number | null | undefined;
  timeouts?: Partial<ProxyTimeouts> | undefined;
  /** Requests per dyno and backlog per dyno (H11). Default Heroku's 50 and 50 (`DEFAULT_LIMITS`). */
  limits?: Partial<ProxyLimits> | undefined;
  /**
   * Who runs the HAProxy process. `platformd` (default): this driver starts it detached and starts it again if
   * it dies. `external`: a supervisor runs `haproxy -W -db -S <dir>/master.sock -f <dir>/haproxy.cfg` from the
   * files in `dir` (a compose or Swarm service sharing that directory as a volume, restarting it when it dies);
   * the driver writes the files, drives the control socket, reloads through the master socket, waits for the
   * proxy at start, and never stops it.
   */
  supervisor?: 'platformd' | 'external' | undefined;
  /** External supervisor: how long `start` waits for the proxy to answer, in ms. Default 120 000. */
  startTimeoutMs?: number | undefined;
  /**
   * Spare backends kept declared, so that a new app is served without a reload (spare-pool.ts); refilled by one
   * reload in the background once half are taken. 0: every new app waits for a reload. Default 16.
   */
  spareBackends?: number | undefined;
  /** HAProxy's threads. Default: half the cores, at least one (`defaultThreads`). */
  threads?: number | undefined;
  /** The Node.js binary that runs the access log's keeper (bin/log-keeper.mjs). Default: this process's. */
  nodeBinary?: string | undefined;
  /** One entry per request to a known app, from the proxy's access log. Without it the proxy logs nothing. */
  onLog?: ((entry: RouterLogEntry) => void) | undefined;
  logger?: RouterLogger | undefined;
}

/** Writes the maps, acme.map and the config, each atomically. */
async function writeProxyFiles(files: ReturnType<typeof proxyFiles>, maps: ReturnType<typeof renderMaps>, acme: string, config: string): Promise<void> {
  await writeAtomic(files.hostsMap, maps.hosts);
  await writeAtomic(files.backendsMap, maps.backends);
  await writeAtomic(files.wildcardsMap, maps.wildcards);
  await writeAtomic(files.maintenanceMap, maps.maintenance);
  await writeAtomic(files.redirectMap, maps.redirect);
  await writeAtomic(files.crashedMap, maps.crashed);
  await writeAtomic(files.acmeMap, acme);
  await writeAtomic(files.config, config);
}

/** The HAProxy driver: the `Router` contract, plus the proxy process's life, which outlives platformd. */
export interface HaproxyRouter extends Router {
  /** Adopts the proxy a previous platformd left running (pid file + control socket answer), else starts one. */
  start(): Promise<{ adopted: boolean; pid: number }>;
  /** The apps the proxy serves (after an adoption: what it served before; the caller removes the stale ones). */
  apps(): string[];
  /** The proxy master's pid (null before start). */
  pid(): number | null;
  /** The port it serves plain HTTP on (the one picked when `listen.port` was 0). */
  port(): number;
  /** The TLS port (null without TLS). */
  tlsPort(): number | null;
  /**
   * Serves the platform's own API (and git) at a hostname of its own, forwarded to platformd's API listener, or
   * stops (null). Its certificate comes with the others (`setCertificates`). Resolves once the proxy reloaded.
   */
  setPlatformApi(route: PlatformApiRoute | null): Promise<void>;
  /** Stops the proxy process for good; `close()` alone leaves it serving. */
  stopProxy(): Promise<void>;
}

/**
 * Drives a real HAProxy as platformd's data path. Runtime changes go over the control socket (servers added,
 * enabled, put in maintenance and deleted; map entries for hosts, wildcards, maintenance and ACME challenges), and every change
 * is also written to haproxy.cfg and the map files, so a reload or a restart loses nothing. A new app takes over
 * one of the spare backends the config declares (HAProxy 2.6 cannot add a backend at run time): live at once, no
 * reload; the pool is refilled by one seamless reload in the background once half of it is taken. With no spare
 * free, the app's backend is written and the proxy reloaded (reloads asked for together are coalesced).
 * Operations run one at a time, in call order.
 *
 *   const router = createHaproxyRouter({ dir: '/var/lib/platform/router', domain: 'localhost', listen: { host: '0.0.0.0', port: 8080 }, onLog });
 *   await router.start();       // adopts a running proxy, or starts one
 *   await router.setRoutes('shop', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: 5001 } }]);
 *   await router.close();       // platformd stops; the proxy keeps serving
 */
export function createHaproxyRouter(options: HaproxyRouterOptions): HaproxyRouter {
  const files = proxyFiles(options.dir);
  const binary = options.binary ?? '/usr/sbin/haproxy';
  const [timeouts, limits]: [ProxyTimeouts, ProxyLimits] = [{ ...DEFAULT_TIMEOUTS, ...options.timeouts }, { ...DEFAULT_LIMITS, ...options.limits }];
  const threads = options.threads ?? defaultThreads(availableParallelism());
  const domain = options.domain.toLowerCase();
  const control = createControlSocket(files.adminSocket);
  const { supervisor = 'platformd', startTimeoutMs = 120_000, logger } = options;
  const logKeeper = options.onLog && supervisor === 'platformd' ? { dir: options.dir, node: options.nodeBinary ?? process.execPath } : null;
  const supervision = createProxySupervision({ supervisor, binary, files, control, master: createControlSocket(files.masterSocket), startTimeoutMs, logKeeper, logger });
  const state: ProxyState = new Map();
  /** Apps whose backend exists in the files but not yet in the live proxy (a reload is queued). */
  const pendingBackends = new Set<string>();
  const leftovers = new Map<string, LeftoverServer>();
  const spares = createSparePool(options.spareBackends ?? DEFAULT_SPARE_BACKENDS);
  const challenges = new Map<string, string>(); // ACME http-01 key authorizations by token (acme.map)
  let masterPid: number | null = null;
  let listen = options.listen;
  let tlsPort: number | null = options.tlsPort ?? null;
  let certificateCount = 0;
  let platformApi: PlatformApiRoute | null = null;
  let accessLog: Awaited<ReturnType<typeof createAccessLogEndpoint>> | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  const { exclusive, idle } = createSerialQueue();
  let queuedReload: Promise<void> | null = null;
  /** One reload for the changes that asked together (coalesced); the next ask after it starts queues another. */
  function reloadSoon(): Promise<void> {
    return (queuedReload ??= exclusive(() => ((queuedReload = null), reloadFromFiles(writer.writeNow))));
  }
  /** Tops the spare pool up, writes the files (`write`) and reloads: the live proxy then has every backend. */
  async function reloadFromFiles(write: () => Promise<void>): Promise<void> {
    spares.topUp();
    await write();
    await reload();
    pendingBackends.clear();
    spares.reloaded();
  }
  /** A spare was taken: a low pool is refilled by one reload a moment later, in the background. */
  const onSpareTaken = () =>
    spares.scheduleRefill(() => void (masterPid !== null && reloadSoon().catch((err) => logger?.error({ err }, 'spare backends not refilled'))));

  const reload = () => supervision.reload(masterPid!);
  const configText = () =>
    renderConfig(state, { dir: options.dir, domain, listen, tlsPort, hasCertificates: certificateCount > 0, accessLog: options.onLog !== undefined, timeouts, limits, threads, platformApi, spares: spares.declared() });
  // Another supervisor may start a dead proxy again from the files at any moment: written with each change then.
  const persist = supervisor === 'external' ? () => writer.writeNow() : async () => writer.mark();
  const writer = createBatchedWriter(() => writeProxyFiles(files, renderMaps(state, domain), renderChallenges(challenges), configText()), exclusive, (err) => logger?.error({ err }, 'router files not written'));

  const changes = createChanges({ control, files, domain, state, leftovers, pendingBackends, spares, onSpareTaken, writeFiles: persist, serverOptions: serverLimits(limits) });

  /** A change that needs the config rewritten and a seamless reload (certificates, the platform API), in order. */
  function reloadAfter(fn: () => Promise<void>): Promise<void> {
    if (masterPid === null) return Promise.reject(new Error('the HAProxy router is not started'));
    return exclusive(() => reloadFromFiles(fn));
  }

  /** Certificates take a checked config and a seamless reload (certificates.ts, `installCertificates`). */
  const applyCertificates = (certificates: readonly RouterCertificate[]) =>
    reloadAfter(() =>
      installCertificates(files, binary, certificates, (count) => ((certificateCount = count), writer.writeNow())),
    );

  /** A challenge goes to the live map at once (the frontend's rule needs no reload), then to acme.map. */
  async function setChallenge(token: string, keyAuthorization: string | null): Promise<void> {
    checkChallenge(token, keyAuthorization);
    if (masterPid === null) throw new Error('the HAProxy router is not started');
    await exclusive(async () => {
      await setMapEntry(control, files.acmeMap, token, keyAuthorization);
      void (keyAuthorization === null ? challenges.delete(token) : challenges.set(token, keyAuthorization));
      await persist();
    });
  }

  /** Runs a change in order; when it created an app, waits for the reload that gives it its backend. */
  async function change(fn: () => Promise<boolean>): Promise<void> {
    if (masterPid === null) throw new Error('the HAProxy router is not started');
    if (await exclusive(fn)) await reloadSoon();
  }

  /** Every second: a proxy that died (a crash, a kill) is started again from the files; retired servers are deleted. */
  async function tick(): Promise<void> {
    if (masterPid === null) return;
    await accessLog?.check(); // the log keeper may hold log.sock: listen again, it hands over
    await writer.flushPending(); // a proxy that died restarts from the files
    const health = await supervision.upkeep(masterPid);
    if (health === 'down') return;
    if (health === 'up') return sweepLeftovers(control, leftovers);
    // A new process serves from the files, which hold every change; what the old one had pending is gone.
    masterPid = health.restarted;
    pendingBackends.clear();
    spares.reloaded();
    leftovers.clear();
  }

  async function start(): Promise<{ adopted: boolean; pid: number }> {
    const meta = await prepareDir(options.dir);
    // Port 0: the port the proxy already listens on (a restart keeps it), else a free one.
    listen = { host: options.listen.host, port: options.listen.port || meta.port || (await freePort(options.listen.host)) };
    if (tlsPort === 0) tlsPort = meta.tlsPort || (await freePort(options.listen.host));
    certificateCount = await countCertificates(files.crtList);
    const running = await supervision.running();
    const adopt = running !== null;
    // The proxy's ring sends the access log here, including what it kept while no platformd listened.
    if (options.onLog) {
      accessLog = await createAccessLogEndpoint(files.logSocket, options.onLog, (err) => logger?.error({ err }, 'router access log failed'));
    }
    await writeAtomic(files.meta, JSON.stringify({ version: 2, port: listen.port, tlsPort }));
    if (adopt) {
      masterPid = running;
      await awaitCurrentWorker(createControlSocket(files.masterSocket), control); // not a worker about to go
      const live = await readLiveState(control, files, domain);
      for (const [app, entry] of live.state) state.set(app, entry);
      for (const l of live.leftovers) leftovers.set(`${l.backend}/${l.name}`, l);
      // Apps keep the backends they run on; a pool already low is topped up by the reload below.
      spares.adopt(live.freeSpares, live.backends);
      if (spares.low()) spares.topUp();
      // Challenges the previous platformd was proving answered until now; its issuance died with it, so a new
      // run starts with none (a later issuance sets its own).
      await control.send(`clear map ${files.acmeMap}`);
      await writeAtomic(files.acmeMap, '');
      // A config written by another version (or lost) is rewritten and reloaded, seamlessly.
      const onDisk = await readFile(files.config, 'utf8').catch(() => '');
      if (onDisk !== configText()) {
        await writer.writeNow();
        await reload();
        spares.reloaded();
      }
      logger?.info({ pid: masterPid, apps: state.size }, 'adopted the running HAProxy');
    } else {
      // A supervisor other than platformd starts the proxy from these files once they exist.
      spares.topUp();
      await writer.writeNow();
      masterPid = await supervision.launch();
      spares.reloaded();
      logger?.info({ pid: masterPid, supervisor }, 'started HAProxy');
    }
    sweeper = setInterval(() => void exclusive(tick).catch((err) => logger?.error({ err }, 'router upkeep failed')), 1_000);
    sweeper.unref();
    return { adopted: adopt, pid: masterPid! };
  }

  return {
    start,
    apps: () => [...state.keys()],
    pid: () => masterPid,
    port: () => listen.port,
    tlsPort: () => tlsPort,
    setRoutes: (app, targets, routeState) => change(() => changes.routes(app, targets, routeState?.crashed === true && targets.length === 0)),
    setDomains: (app, hostnames) => change(() => changes.domains(app, hostnames)),
    setSettings: (app, settings) => change(() => changes.settings(app, settings)),
    setCertificates: (certificates) => applyCertificates(certificates),
    setChallenge,
    setPlatformApi(route) {
      if (route && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(route.hostname)) return Promise.reject(new PlatformError(ErrorCodes.invalidParams, `not a hostname: ${JSON.stringify(route.hostname)}`));
      return reloadAfter(async () => {
        platformApi = route;
        await writer.writeNow();
      });
    },
    removeApp: (app) => change(async () => (await changes.remove(app), false)),
    async close() {
      if (sweeper) clearInterval(sweeper);
      spares.cancelRefill();
      await idle();
      await exclusive(writer.flushPending);
      await accessLog?.close();
      accessLog = null;
    },
    async stopProxy() {
      if (sweeper) clearInterval(sweeper);
      spares.cancelRefill();
      writer.cancel();
      await supervision.stop(masterPid);
      masterPid = null;
    },
  };
}
