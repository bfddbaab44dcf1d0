import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { PlatformError } from '@platform/types';
import type { BuildRecord, Store } from '@platform/store-postgres';
import { pruneImages } from '@platform/builder-docker';
import type { NodeImageReport, RegistryClient } from '@platform/runtime-swarm';
import { access } from './api/access.ts';
import type { ApiContext } from './api/context.ts';
import { collectRegistry, forgetAppInRegistry, imagesInUse, registryPlace } from './registry-gc.ts';
import type { RemovableBuilds } from './node-image-gc.ts';

export interface ImageGcOptions {
  docker: Docker;
  store: Store;
  /** Release images kept per app: those of its last `keep` releases (and of its current one). */
  keep: number;
  logger: Logger;
  /**
   * Swarm mode: the registry the release images are pushed to (`host` as nodes name it, and a client of its API):
   * the same rule deletes them there too. `docker` is then the manager's engine (its own copies are collected).
   */
  registry?: { host: string; client: RegistryClient } | undefined;
  /** Swarm mode: collects the other nodes' copies (node-image-gc.ts's `createNodeCollector`). */
  collectOnNodes?: ((byApp: RemovableBuilds, notAfter: Date) => Promise<NodeImageReport[]>) | undefined;
}

/** One collection: removed image ids, then (swarm) the references deleted from the registry; and what each other node removed. */
export interface ImageGcResult {
  removed: string[];
  nodes: Array<{ node: string; removed: string[] }>;
}

export type ImageGc = ReturnType<typeof createImageGc>;

/**
 * Garbage collection of release images. Kept: the images of each app's last `keep` releases and of its
 * current release (so a rollback within `keep` never needs a rebuild), every image a container uses, and
 * any image whose build the store does not know as finished (a build in progress). Removed: the other
 * images of this platform's apps. Images of apps this store does not know are left alone (another
 * platform may share the engine). In swarm mode the same rule deletes the registry's copies, sparing any a
 * service of the swarm runs; the manager's engine is collected like docker mode's, and the other nodes' engines
 * through a Swarm job (`collectOnNodes`; see the README).
 *
 *   const gc = createImageGc({ docker, store, keep: 10, logger });
 *   const { removed } = await gc.collect();   // image ids
 */
export function createImageGc(options: ImageGcOptions) {
  const { docker, store, keep, logger, registry, collectOnNodes } = options;
  let running: Promise<unknown> | null = null;
  /**
   * Apps destroyed since this server started: their images on other nodes go at each node collection (a copy a
   * task's container still used when the app went is taken by a later one). Not kept across restarts.
   */
  const forgotten = new Set<string>();

  /** Runs `task` after the collection under way (one Swarm job at a time: each removes its predecessor's leftovers). */
  function enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = (running ?? Promise.resolve(null)).catch(() => null).then(task);
    running = next;
    next
      .finally(() => {
        if (running === next) running = null;
      })
      .catch(() => {});
    return next;
  }

  /** Per app id, its builds and the ids of those whose images may go. */
  async function removableBuilds(): Promise<Map<string, { builds: BuildRecord[]; removable: Set<string> }>> {
    const byApp = new Map<string, { builds: BuildRecord[]; removable: Set<string> }>();
    for (const app of await store.apps.list()) {
      const recent = await store.releases.list(app.id, { order: 'desc', max: keep });
      const current = await store.releases.current(app.id);
      const kept = new Set([...recent, ...(current ? [current] : [])].flatMap((r) => (r.buildId ? [r.buildId] : [])));
      // A build finished after the newest release is on its way to becoming one (its deploy is under way).
      const newest = recent[0]?.createdAt.getTime() ?? 0;
      const builds = await store.builds.list(app.id);
      const removable = new Set<string>();
      for (const build of builds) {
        if (build.status !== 'pending' && !kept.has(build.id) && build.createdAt.getTime() <= newest) removable.add(build.id);
      }
      byApp.set(app.id, { builds, removable });
    }
    return byApp;
  }

  /** The store's apps, and each destroyed app with no build kept. */
  function withForgotten(byApp: RemovableBuilds): RemovableBuilds {
    const all = new Map(byApp);
    for (const id of forgotten) if (!all.has(id)) all.set(id, { builds: [], removable: new Set() });
    return all;
  }

  async function run(): Promise<ImageGcResult> {
    // The store is read first: an image created after this read belongs to a build it does not know (kept).
    const readAt = new Date();
    const byApp = await removableBuilds();
    // Read before the engine's copies go: a service created meanwhile runs a build the store keeps anyway.
    const inUse = registry ? await imagesInUse(docker, registry.host) : new Set<string>();
    const removed = await pruneImages({
      docker,
      keep: 0,
      logger,
      keepImage: (image) => {
        const appId = image.Labels?.['platform.app-id'] ?? '';
        const build = image.Labels?.['platform.build'] ?? '';
        return !byApp.get(appId)?.removable.has(build);
      },
    });
    const deleted = registry ? await collectRegistry({ registry: registry.client, apps: [...byApp.values()], inUse, logger }) : [];
    const nodes = collectOnNodes ? (await collectOnNodes(withForgotten(byApp), readAt)).map((r) => ({ node: r.node, removed: r.removed })) : [];
    const onNodes = nodes.reduce((n, r) => n + r.removed.length, 0);
    logger.info({ removed: removed.length, deletedFromRegistry: deleted.length, removedOnNodes: onNodes, keep }, 'release images collected');
    return { removed: [...removed, ...deleted], nodes };
  }

  return {
    /**
     * Removes every image of a destroyed app (its containers are already gone); swarm: every tag of its
     * repositories in the registry too (`platform/<name>`, and the names the engine's tags show from before a rename),
     * and, in the background, its images on the other nodes (those a task's container still uses there go at a
     * later collection of this server's).
     */
    async forgetApp(app: { id: string; name: string }): Promise<void> {
      const images = await docker.listImages({ filters: { label: [`platform.app-id=${app.id}`] } });
      if (registry) {
        const tagged = images.flatMap((i) => i.RepoTags ?? []).map((t) => (t.startsWith(`${registry.host}/`) ? t.slice(registry.host.length + 1) : t));
        const repositories = [`platform/${app.name}`, ...tagged.flatMap((t) => registryPlace(t)?.repository ?? [])];
        await forgetAppInRegistry(registry.client, repositories, logger);
      }
      for (const image of images) {
        await docker
          .getImage(image.Id)
          .remove({ force: true })
          .catch((err: unknown) => logger.warn({ err, image: image.Id }, 'could not remove a destroyed app\'s image'));
      }
      if (collectOnNodes) {
        forgotten.add(app.id);
        if (forgotten.size > 1_000) forgotten.delete(forgotten.values().next().value!);
        const none = new Map([[app.id, { builds: [], removable: new Set<string>() }]]);
        enqueue(() => collectOnNodes(none, new Date())).catch(() => {});
      }
    },
    /**
     * Runs one collection (one at a time: a call during a run waits for the next one). Returns the removed image
     * ids, then (swarm) the references deleted from the registry, `platform/<app>:<build>`, and per other node the
     * references removed there.
     */
    collect(): Promise<ImageGcResult> {
      return enqueue(run);
    },
    /** Collects in the background (after a deploy); failures are logged, never thrown. */
    soon(): void {
      this.collect().catch((err: unknown) => logger.warn({ err }, 'release image collection failed'));
    },
  };
}

/**
 * `POST /admin/prune-images` (admins only): runs a collection now and lists the removed image ids (`removed`);
 * in swarm mode also what each other node removed (`removed_on_nodes`: `[{ node, removed: [refs] }]`).
 * In process mode (`gc` null) there are no images: a clear 400.
 */
export function registerImageGcRoute(app: FastifyInstance, ctx: ApiContext, gc: ImageGc | null): void {
  app.post('/admin/prune-images', access('admin'), async (request) => {
    if (!request.user.isAdmin) throw new PlatformError('PLT_FORBIDDEN', 'Only an admin can prune images.');
    if (!gc) throw new PlatformError('PLT_BAD_REQUEST', 'This server uses the process runtime: there are no release images to prune.');
    const { removed, nodes } = await gc.collect();
    return { removed, kept_releases_per_app: ctx.config.imagesToKeep, ...(ctx.config.runtime === 'swarm' ? { removed_on_nodes: nodes } : {}) };
  });
}
