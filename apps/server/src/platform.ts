import { openAddonProviders } from './start/addons.ts';
import { openPgBackups } from './start/addon-backups.ts';
import type { Logger } from 'pino';
import { createProcessManager } from '@platform/process-manager';
import { sweepAppNetworks } from '@platform/runtime-docker';
import { gitHttpPlugin } from '@platform/git-http';
import type { ServerConfig } from './config.ts';
import { createFailpoints } from './failpoints.ts';
import { createCleanupStack } from './start/cleanup-stack.ts';
import { prepareDataDirs } from './start/data-dirs.ts';
import { databaseReachable, openDatabase } from './start/database.ts';
import { createDrivers } from './start/drivers.ts';
import { openAppLogs } from './start/app-logs.ts';
import { applyEdgeState } from './start/edge-state.ts';
import { openAcmeIssuer, startAcmManager } from './start/acme.ts';
import { openRouter } from './start/router.ts';
import { urlSettings, withApiCertificate } from './start/api-edge.ts';
import { openApiCertificate } from './start/api-certificate.ts';
import { loadInstanceId } from './instance-id.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { imageEnsurer } from './deploy/ensure-image.ts';
import { collectSlugs } from './slug-gc.ts';
import { createForgetApp } from './start/forget-app.ts';
import { interruptedEvents, recoverInterruptedDeploys } from './recovery.ts';
import { registerImageGcRoute } from './image-gc.ts';
import { registerNodesRoute } from './swarm-nodes.ts';
import { createDeployer } from './deploy/deployer.ts';
import { createApiServer } from './api/server.ts';
import { createAttachSessions } from './api/routes/one-offs.ts';
import { startRendezvous } from './start/rendezvous.ts';
import type { ApiContext } from './api/context.ts';
import { appTarget } from './deploy/targets.ts';
import { bootstrapAdmin } from './bootstrap.ts';
import { createOneOffSizes } from './services/dyno-sizes.ts';
import { createAccessEvents } from './services/access-events.ts';
import { recordDeploy } from './deploy/audit-deploy.ts';
import { appUrls } from './urls.ts';
import { createMoveApp } from './start/move-app.ts';
import { authorizePush } from './services/pushes.ts';

export interface RunningPlatform {
  apiUrl: string;
  routerUrl: string;
  runtime: string;
  /** The addresses the API/git listener is bound to (one per socket, e.g. ['127.0.0.1'] or ['0.0.0.0']), and its port. */
  apiAddresses: string[];
  apiPort: number;
  /** Graceful stop: stop accepting requests, close the manager, leave docker dynos running, stop Postgres. */
  stop(): Promise<void>;
}

/** Wires every part together and starts listening. The only place that creates pools and clients. */
export async function startPlatform(config: Readonly<ServerConfig>, logger: Logger): Promise<RunningPlatform> {
  // One platformd per data dir, checked before anything in it is touched (its Postgres, its dynos).
  const lock = await lockDataDir(config.dataDir);
  try {
    return await startLocked(config, logger, lock);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Start-up in named steps, each registering the undoing of what it opened on one cleanup stack: data dirs →
 * database → recovery of interrupted deploys → drivers (runtime, builder) → app logs → router → manager and
 * deployer → API and git → adopt running dynos → router listens → converge.
 */
async function startLocked(config: Readonly<ServerConfig>, logger: Logger, lock: { release(): Promise<void> }): Promise<RunningPlatform> {
  const instance = await loadInstanceId(config.dataDir); // before anything else is written to the data dir
  const dirs = await prepareDataDirs(config.dataDir);
  const failpoint = createFailpoints(config.failpoints);
  const cleanups = createCleanupStack(logger);
  cleanups.defer(() => lock.release());
  try {
    const { pool, store, cipher } = await openDatabase(config, logger, cleanups);
    // What a previous server left mid-deploy (it died: kill -9, a crash) ends failed, before anything runs.
    const interrupted = await recoverInterruptedDeploys(store, logger);
    const { decision, runtime, builder, gc, registry } = await createDrivers(config, { instance, dirs, store, logger, cleanups });
    const addonProviders = await openAddonProviders(decision, { config, instance, dirs, store, logger, cleanups });
    const logs = await openAppLogs(config, { store, runtime, logger, cleanups });
    for (const e of interruptedEvents(interrupted)) logs.byId(e.appId, { source: 'platform', process: 'api', message: e.message });

    const onLog = (entry: { app: string }, line: string) => logs.hub.append(entry.app, { source: 'platform', process: 'router', message: line });
    const opened = await openRouter(config, { logger, cleanups, onLog });
    // With the API on the edge, every certificate set the services make also carries the API's.
    const apiCertificate = await openApiCertificate(config.apiEdge, store);
    const router = withApiCertificate(opened.router, apiCertificate?.holder ?? null);
    // The router itself answers the issuer's http-01 challenges (Router.setChallenge).
    const acmeIssuer = await openAcmeIssuer(config, store, router);
    logger.info({ router: opened.kind, reason: opened.reason }, `router: ${opened.kind}`);
    // The Node router listens once the dynos that survived a restart are adopted and routed (see below); an
    // adopted HAProxy has served all along.
    let routerPort = config.routerPort;
    /** Apps the manager published routes for (adoption first: see below). */
    const routed = new Set<string>();

    const displayHost = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
    let apiPort = config.port;
    let rendezvousPort: number | null = null;
    const edgeUrls = urlSettings(config, opened.tlsPort());
    const urls = appUrls(edgeUrls.config, () => apiPort, () => routerPort, () => rendezvousPort, edgeUrls.edge);
    const apiUrl = urls.api;

    const events = logger.child({ component: 'events' });
    const platformEvent = (appId: string, app: string | undefined, source: string, message: string) => {
      events.info({ ...(app === undefined ? { appId } : { app }), source: `platform[${source}]` }, message);
      logs.byId(appId, { source: 'platform', process: source, message });
    };
    const manager = createProcessManager({
      runtime,
      logger: logger.child({ component: 'manager' }),
      bootTimeoutMs: config.bootTimeoutMs,
      healthWindowMs: config.healthWindowMs,
      memorySampleMs: config.memorySampleMs,
      onRolloutStep: () => failpoint('mid-rollout'),
      graceMs: config.graceMs,
      setRoutes: (app, targets, state) => {
        routed.add(app);
        return router.setRoutes(app, targets, state);
      },
      onEvent: (e) => platformEvent(e.appId, e.app, e.source, e.message),
      listAppIds: async () => (await store.apps.list()).map((a) => a.id),
      loadTarget: (appId) => appTarget(store, dirs.slugs, appId),
    });
    cleanups.defer(() => manager.close());

    const acmeEvent = (appId: string, message: string) => platformEvent(appId, undefined, 'acme', message);
    const acm = acmeIssuer ? startAcmManager(config, { issuer: acmeIssuer, store, edge: router, logger, cleanups, onEvent: acmeEvent, platformHostnames: apiCertificate?.platformHostnames }) : null;

    const deployer = createDeployer({
      store,
      builder,
      runtime,
      manager,
      logger: logger.child({ component: 'deployer' }),
      slugsDir: dirs.slugs,
      releaseTimeoutMs: config.releaseTimeoutMs,
      webUrl: urls.web,
      onEvent: (appId, source, message) => platformEvent(appId, undefined, source, message),
      onBuildOutput: (appId, line) => logs.byId(appId, { source: 'platform', process: 'build', message: line }),
      failpoint,
      // Swarm: each release image goes to the registry too, before its dynos start.
      ...(decision.kind !== 'process' ? imageEnsurer(decision.docker, config.stackImage, logger, registry ?? undefined) : {}),
    });

    const ctx: ApiContext = {
      config,
      store,
      manager,
      deployer,
      logs: logs.hub,
      logger,
      urls,
      oneOffSizes: createOneOffSizes(),
      edge: router,
      acm,
      accessEvents: createAccessEvents(),
      forgetApp: createForgetApp({ router, logs, dirs, drivers: { runtime, builder, gc }, store, logger }),
      moveApp: createMoveApp({ reposDir: dirs.repos, router, logs, store, logger }),
      databaseReachable: () => databaseReachable(pool),
      addonProviders,
      pgBackups: await openPgBackups(config, { store, cipher, logger, cleanups, logs, addonProviders }), // and its daily scheduler
    };
    const attachSessions = createAttachSessions();
    const api = createApiServer(ctx, async (app, { authThrottle }) => {
      await gitHttpPlugin(app, {
        reposDir: dirs.repos,
        logger: logger.child({ component: 'git' }),
        internalUrl: () => `http://127.0.0.1:${apiPort}`,
        maxPackBytes: config.maxPushBytes,
        maxPackBytesSetting: 'PLATFORM_MAX_PUSH_BYTES',
        onPush: async (push) => {
          try {
            await deployer.onPush(push);
            await recordDeploy(store, push, 'succeeded');
          } catch (err) {
            await recordDeploy(store, push, 'failed');
            throw err;
          } finally {
            gc?.soon();
            // Slugs of builds that failed after storing theirs (older than 10 min, so never one in progress).
            void collectSlugs(store, dirs.slugs, logger).catch((err) => logger.warn({ err }, 'collecting slugs failed'));
          }
        },
        authorize: async ({ app: name, token, service, address }) => ({
          ...(await authorizePush(store, token, name, service, authThrottle.forAddress(address))),
          address,
        }),
      });
      registerImageGcRoute(app, ctx, gc);
      registerNodesRoute(app, { decision, instance, manager, logger: logger.child({ component: 'nodes' }) });
    }, { attachSessions });
    cleanups.defer(() => api.close());
    await api.listen({ port: config.port, host: config.host });
    const address = api.server.address();
    apiPort = typeof address === 'object' && address ? address.port : config.port;
    logs.ownPorts.push(apiPort);
    await apiCertificate?.serveWhenReady((hostname) => opened.servePlatformApi!({ hostname, address: { host: displayHost(config.host), port: apiPort } }));
    rendezvousPort = await startRendezvous(config, { hostname: hostOf(apiUrl()), sessions: attachSessions, logger, cleanups });
    if (rendezvousPort !== null) logs.ownPorts.push(rendezvousPort);

    await bootstrapAdmin(config, store, logger, apiUrl());
    // Dynos that outlived the previous server are routed before the first connection is accepted: no start-up 503.
    await manager.adopt();
    // Every other known app is routable (503 until a web dyno is up, rather than 404); apps destroyed while no
    // platformd ran leave an adopted proxy. Adoption comes first: an app is never set to no dynos in between.
    const apps = await store.apps.list();
    await Promise.all(apps.filter((a) => !routed.has(a.name)).map((a) => router.setRoutes(a.name, [])));
    const known = new Set(apps.map((a) => a.name));
    for (const stale of opened.served.filter((name) => !known.has(name))) await router.removeApp(stale);
    // Each app's domains, switches and certificates from the store (an adopted proxy may hold an older set).
    await applyEdgeState(store, router);
    routerPort = await opened.serve();
    logs.ownPorts.push(routerPort);
    await manager.start();
    acm?.start(); // once the router answers the http-01 challenges
    gc?.soon(); // after adoption: images running dynos use are kept
    if (decision.kind === 'docker') {
      // Networks of apps destroyed while no server ran (or mid-destroy): their dynos were stopped by start().
      const live = new Set((await store.apps.list()).map((a) => a.id));
      const swept = await sweepAppNetworks(decision.docker, instance, live, logger);
      if (swept > 0) logger.info({ swept }, 'removed the networks of apps that no longer exist');
    }

    return {
      apiUrl: apiUrl(),
      routerUrl: `http://${displayHost(config.routerHost)}:${routerPort}`,
      runtime: decision.kind,
      apiAddresses: api.addresses().map((a) => (typeof a === 'string' ? a : a.address)),
      apiPort,
      stop: () => cleanups.run(),
    };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}

/** The host of a URL without its port (an IPv6 address keeps its brackets: `http://[::1]:5000` → `[::1]`). */
function hostOf(url: string): string {
  return new URL(url).hostname;
}
