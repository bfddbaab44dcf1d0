import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Runtime } from '@platform/types';
import { createCipher, loadOrCreateKeyFile, parseSecretKey } from '@platform/secrets';
import { createStore, migrate, startEmbeddedPostgres, type AppRecord, type EmbeddedPostgresHandle } from '@platform/store-postgres';
import { createProcessManager } from '@platform/process-manager';
import { createProcessRuntime, sweepOrphanedDynos } from '@platform/runtime-process';
import { createDockerRuntime } from '@platform/runtime-docker';
import { createDockerBuilder, sweepBuildContainers } from '@platform/builder-docker';
import { createLocalBuilder, sweepBuildWorkspaces } from '@platform/builder';
import { createRouter, formatRouterLogLine } from '@platform/router';
import { createLogHub, drainRefusalOf, redactDrainUrl, type LogInput } from '@platform/log-hub';
import { gitHttpPlugin } from '@platform/git-http';
import { safeJoin } from '@platform/archive';
import type { ServerConfig } from './config.ts';
import { chooseRuntime } from './runtime-choice.ts';
import { NO_PROCESS_ISOLATION, processIsolation } from './process-isolation.ts';
import { createFailpoints } from './failpoints.ts';
import { loadInstanceId } from './instance-id.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { imageEnsurer } from './deploy/ensure-image.ts';
import { collectSlugs } from './slug-gc.ts';
import { interruptedEvents, recoverInterruptedDeploys } from './recovery.ts';
import { createImageGc, registerImageGcRoute, type ImageGc } from './image-gc.ts';
import { createDeployer } from './deploy/deployer.ts';
import { createApiServer } from './api/server.ts';
import type { ApiContext } from './api/context.ts';
import { appTarget } from './deploy/targets.ts';
import { bootstrapAdmin } from './bootstrap.ts';
import { createOneOffSizes } from './services/dyno-sizes.ts';
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

async function startLocked(config: Readonly<ServerConfig>, logger: Logger, lock: { release(): Promise<void> }): Promise<RunningPlatform> {
  const instance = await loadInstanceId(config.dataDir); // before anything else is written to the data dir
  const dirs = {
    repos: path.join(config.dataDir, 'repos'),
    slugs: path.join(config.dataDir, 'slugs'),
    cache: path.join(config.dataDir, 'cache'),
    builds: path.join(config.dataDir, 'builds'),
    dynos: path.join(config.dataDir, 'dynos'),
  };
  await mkdir(config.dataDir, { recursive: true });
  // Traversable (not listable) by the postgres and dyno users when running as root.
  await chmod(config.dataDir, 0o711);
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true, mode: 0o700 });
  // Dynos and builds run unprivileged: they must be able to traverse into their own directories.
  for (const dir of [dirs.dynos, dirs.builds, dirs.cache]) await chmod(dir, 0o711);

  const failpoint = createFailpoints(config.failpoints);
  const cleanups: Array<() => Promise<unknown>> = [() => lock.release()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.warn({ err }, 'shutdown step failed'));
  };
  try {
    let embedded: EmbeddedPostgresHandle | null = null;
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
      cleanups.push(() => embedded!.stop());
      databaseUrl = embedded.url;
      logger.info({ dataDir: config.dataDir }, 'started embedded PostgreSQL');
    }
    // A connection attempt that hangs (a database host gone silent) fails after 5 s instead of holding a request.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle client losing its connection must not crash the server; the next query reconnects.
    pool.on('error', (err) => logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'idle database connection failed'));
    cleanups.push(() => pool.end());
    await migrate(pool, logger);
    const key = config.secretKey ? parseSecretKey(config.secretKey) : await loadOrCreateKeyFile(config.dataDir);
    const store = createStore({ pool, cipher: createCipher(key) });
    await store.verifyKey();

    // What a previous server left mid-deploy (it died: kill -9, a crash) ends failed, before anything runs.
    const interrupted = await recoverInterruptedDeploys(store, logger);

    const decision = await chooseRuntime(config, logger);
    const isolation = decision.kind === 'process' ? await processIsolation(config, logger) : NO_PROCESS_ISOLATION;
    logger.info({ runtime: decision.kind, reason: decision.reason }, `using the ${decision.kind} runtime`);
    let runtime: Runtime;
    // Docker mode: release images are collected after each deploy (and on POST /admin/prune-images).
    let gc: ImageGc | null = null;
    if (decision.kind === 'docker') {
      runtime = createDockerRuntime({ docker: decision.docker, instance, logger: logger.child({ component: 'runtime' }) });
      // Build containers a dead server left (mid-build) are removed; dynos are adopted by the manager.
      const leftover = await sweepBuildContainers(decision.docker, instance);
      if (leftover > 0) logger.warn({ leftover }, 'removed the build containers a previous server left behind');
      gc = createImageGc({ docker: decision.docker, store, keep: config.imagesToKeep, logger: logger.child({ component: 'gc' }) });
    } else {
      // Dynos of a previous server that died without shutting down cannot be adopted: end them first.
      const registryDir = path.join(config.dataDir, 'dyno-registry');
      const swept = await sweepOrphanedDynos(registryDir);
      if (swept > 0) logger.warn({ swept }, 'stopped dynos left running by a previous server');
      // So are its builds: their processes end and their workspaces (with config-var files) go.
      const builds = await sweepBuildWorkspaces(dirs.builds);
      if (builds.processes + builds.workspaces > 0) logger.warn(builds, 'removed the builds a previous server left behind');
      runtime = createProcessRuntime({
        registryDir,
        dynosDir: dirs.dynos,
        logger: logger.child({ component: 'runtime' }),
        runAs: isolation.dynoUser,
        pidNamespace: isolation.dynoPidNamespace,
      });
    }
    cleanups.push(() => runtime.close());

    // This server's own listener ports, which drains may never target on this host (filled in as they bind).
    const ownPorts = [config.port, config.routerPort].filter((p) => p > 0);
    // The apps' log streams (dyno output, router lines, platform events), separate from this process's pino log.
    const logs = createLogHub({
      logger: logger.child({ component: 'logs' }),
      drainPolicy: { allow: config.drainAllow, ownPorts: () => ownPorts },
    });
    cleanups.push(() => logs.close());
    const appNames = new Map((await store.apps.list()).map((a) => [a.id, a.name] as const));
    /** Appends to an app's stream by app id (the name is looked up once, then cached). */
    const logById = (appId: string, input: LogInput) => {
      const name = appNames.get(appId);
      if (name !== undefined) return logs.append(name, input);
      void store.apps.find(appId).then((a) => {
        if (!a) return;
        appNames.set(a.id, a.name);
        logs.append(a.name, input);
      }, () => undefined);
    };
    runtime.onOutput((o) => logs.append(o.app, { source: 'app', process: o.name, message: o.line }));
    for (const e of interruptedEvents(interrupted)) logById(e.appId, { source: 'platform', process: 'api', message: e.message });
    for (const d of await store.drains.all()) {
      const name = appNames.get(d.appId);
      try {
        // An IP host the current drain policy refuses is skipped here; a name is checked at every connect instead
        // (DNS may change, so a drain refused now may be allowed later, and the other way round).
        if (name !== undefined) logs.addDrain(name, { id: d.id, url: d.url, token: d.token });
      } catch (err) {
        const refusal = drainRefusalOf(err);
        if (refusal) logger.warn({ drain: d.id, url: redactDrainUrl(d.url), reason: refusal.message }, 'stored log drain is refused by the drain policy (PLATFORM_DRAIN_ALLOW); skipped');
        else logger.warn({ drain: d.id, url: redactDrainUrl(d.url), err }, 'stored log drain is invalid; skipped');
      }
    }

    const router = createRouter({
      domain: config.domain,
      logger: logger.child({ component: 'router' }),
      onLog: (entry) => logs.append(entry.app, { source: 'platform', process: 'router', message: formatRouterLogLine(entry) }),
    });
    // The router listens once the dynos that survived a restart are adopted and routed (see below).
    let routerPort = config.routerPort;
    cleanups.push(() => router.close());

    // Docker mode: buildpacks run in a build container from the stack image, never on the host; the build
    // returns the release image. Process mode: buildpacks run on the host as the unprivileged dyno user.
    const builder = decision.kind === 'docker'
      ? createDockerBuilder({
          docker: decision.docker,
          instance,
          stackImage: config.stackImage,
          buildpacksDir: config.buildpacksDir,
          slugsDir: dirs.slugs,
          timeoutMs: config.buildTimeoutMs,
          caCertificatesFile: config.buildCaFile ?? undefined,
          logger: logger.child({ component: 'builder' }),
        })
      : createLocalBuilder({
      // Buildpacks (npm, the app's build script) never run as root, and each build runs in its own PID namespace.
      ...(isolation.buildUser ? { user: isolation.buildUser } : {}),
      pidNamespace: isolation.buildPidNamespace,
      buildpacksDir: config.buildpacksDir,
      cacheDir: dirs.cache,
      slugsDir: dirs.slugs,
      workDir: dirs.builds,
      timeoutMs: config.buildTimeoutMs,
      logger: logger.child({ component: 'builder' }),
    });

    const displayHost = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
    let apiPort = config.port;
    const apiUrl = () => config.publicUrl ?? `http://${displayHost(config.host)}:${apiPort}`;
    const webUrl = (app: string) =>
      `http://${app}.${config.domain}${routerPort === 80 ? '' : `:${routerPort}`}/`;

    const events = logger.child({ component: 'events' });
    const manager = createProcessManager({
      runtime,
      logger: logger.child({ component: 'manager' }),
      bootTimeoutMs: config.bootTimeoutMs,
      healthWindowMs: config.healthWindowMs,
      onRolloutStep: () => failpoint('mid-rollout'),
      graceMs: config.graceMs,
      setRoutes: (app, targets) => router.setRoutes(app, targets),
      onEvent: (e) => {
        events.info({ app: e.app, source: `platform[${e.source}]` }, e.message);
        logById(e.appId, { source: 'platform', process: e.source, message: e.message });
      },
      listAppIds: async () => (await store.apps.list()).map((a) => a.id),
      loadTarget: (appId) => appTarget(store, dirs.slugs, appId),
    });
    cleanups.push(() => manager.close());

    const deployer = createDeployer({
      store,
      builder,
      runtime,
      manager,
      logger: logger.child({ component: 'deployer' }),
      slugsDir: dirs.slugs,
      releaseTimeoutMs: config.releaseTimeoutMs,
      webUrl,
      onEvent: (appId, source, message) => {
        events.info({ appId, source: `platform[${source}]` }, message);
        logById(appId, { source: 'platform', process: source, message });
      },
      onBuildOutput: (appId, line) => logById(appId, { source: 'platform', process: 'build', message: line }),
      failpoint,
      ...(decision.kind === 'docker' ? { ensureImage: imageEnsurer(decision.docker, config.stackImage, logger) } : {}),
    });

    const ctx: ApiContext = {
      config,
      store,
      manager,
      deployer,
      logs,
      logger,
      urls: { api: apiUrl, git: (app) => `${apiUrl()}/${app}.git`, web: webUrl },
      oneOffSizes: createOneOffSizes(),
      async forgetApp(app: AppRecord, slugs: readonly string[]) {
        router.removeApp(app.name);
        logs.forgetApp(app.name);
        appNames.delete(app.id);
        await rm(safeJoin(dirs.repos, `${app.name}.git`), { recursive: true, force: true });
        await builder.forgetApp(app.id);
        await gc?.forgetApp(app.id);
        await collectSlugs(store, dirs.slugs, logger, { minAgeMs: 0, only: new Set(slugs) });
      },
      async databaseReachable() {
        const probe = pool.query('SELECT 1').then(() => true, () => false);
        const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref());
        return Promise.race([probe, timeout]);
      },
    };
    const api = createApiServer(ctx, async (app) => {
      await gitHttpPlugin(app, {
        reposDir: dirs.repos,
        logger: logger.child({ component: 'git' }),
        internalUrl: () => `http://127.0.0.1:${apiPort}`,
        onPush: async (push) => {
          try {
            await deployer.onPush(push);
          } finally {
            gc?.soon();
            // Slugs of builds that failed after storing theirs (older than 10 min, so never one in progress).
            void collectSlugs(store, dirs.slugs, logger).catch((err) => logger.warn({ err }, 'collecting slugs failed'));
          }
        },
        authorize: ({ app: name, token }) => authorizePush(store, token, name),
      });
      registerImageGcRoute(app, ctx, gc);
    });
    cleanups.push(() => api.close());
    await api.listen({ port: config.port, host: config.host });
    const address = api.server.address();
    apiPort = typeof address === 'object' && address ? address.port : config.port;
    ownPorts.push(apiPort);

    // Every known app is routable (503 until a web dyno is up, rather than 404).
    for (const app of await store.apps.list()) router.setRoutes(app.name, []);
    await bootstrapAdmin(config, store, logger, apiUrl());
    // Dynos that outlived the previous server are routed before the first connection is accepted: no start-up 503.
    await manager.adopt();
    routerPort = (await router.listen(config.routerPort, config.routerHost)).port;
    ownPorts.push(routerPort);
    await manager.start();
    gc?.soon(); // after adoption: images running dynos use are kept

    return {
      apiUrl: apiUrl(),
      routerUrl: `http://${displayHost(config.routerHost)}:${routerPort}`,
      runtime: decision.kind,
      apiAddresses: api.addresses().map((a) => (typeof a === 'string' ? a : a.address)),
      apiPort,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
