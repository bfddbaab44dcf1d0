import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { PlatformError } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { pruneImages } from '@platform/builder-docker';
import { access } from './api/access.ts';
import type { ApiContext } from './api/context.ts';

export interface ImageGcOptions {
  docker: Docker;
  store: Store;
  /** Release images kept per app: those of its last `keep` releases (and of its current one). */
  keep: number;
  logger: Logger;
}

export type ImageGc = ReturnType<typeof createImageGc>;

/**
 * Garbage collection of release images. Kept: the images of each app's last `keep` releases and of its
 * current release (so a rollback within `keep` never needs a rebuild), every image a container uses, and
 * any image whose build the store does not know as finished (a build in progress). Removed: the other
 * images of this platform's apps. Images of apps this store does not know are left alone (another
 * platform may share the engine).
 *
 *   const gc = createImageGc({ docker, store, keep: 10, logger });
 *   const removed = await gc.collect();   // image ids
 */
export function createImageGc(options: ImageGcOptions) {
  const { docker, store, keep, logger } = options;
  let running: Promise<string[]> | null = null;

  /** Build ids whose images may go, per app id. */
  async function removableBuilds(): Promise<Map<string, Set<string>>> {
    const byApp = new Map<string, Set<string>>();
    for (const app of await store.apps.list()) {
      const recent = await store.releases.list(app.id, { order: 'desc', max: keep });
      const current = await store.releases.current(app.id);
      const kept = new Set([...recent, ...(current ? [current] : [])].flatMap((r) => (r.buildId ? [r.buildId] : [])));
      const removable = new Set<string>();
      for (const build of await store.builds.list(app.id)) {
        if (build.status !== 'pending' && !kept.has(build.id)) removable.add(build.id);
      }
      byApp.set(app.id, removable);
    }
    return byApp;
  }

  async function run(): Promise<string[]> {
    // The store is read first: an image created after this read belongs to a build it does not know (kept).
    const removable = await removableBuilds();
    const removed = await pruneImages({
      docker,
      keep: 0,
      logger,
      keepImage: (image) => {
        const appId = image.Labels?.['platform.app-id'] ?? '';
        const build = image.Labels?.['platform.build'] ?? '';
        return !removable.get(appId)?.has(build);
      },
    });
    logger.info({ removed: removed.length, keep }, 'release images collected');
    return removed;
  }

  return {
    /** Removes every image of a destroyed app (its containers are already gone). */
    async forgetApp(appId: string): Promise<void> {
      const images = await docker.listImages({ filters: { label: [`platform.app-id=${appId}`] } });
      for (const image of images) {
        await docker
          .getImage(image.Id)
          .remove({ force: true })
          .catch((err: unknown) => logger.warn({ err, image: image.Id }, 'could not remove a destroyed app\'s image'));
      }
    },
    /** Runs one collection (one at a time: a call during a run waits for the next one). Returns removed image ids. */
    collect(): Promise<string[]> {
      const next = (running ?? Promise.resolve([])).catch(() => []).then(run);
      running = next;
      next
        .finally(() => {
          if (running === next) running = null;
        })
        .catch(() => {});
      return next;
    },
    /** Collects in the background (after a deploy); failures are logged, never thrown. */
    soon(): void {
      this.collect().catch((err: unknown) => logger.warn({ err }, 'release image collection failed'));
    },
  };
}

/**
 * `POST /admin/prune-images` (admins only): runs a collection now and lists the removed image ids.
 * In process mode (`gc` null) there are no images: a clear 400.
 */
export function registerImageGcRoute(app: FastifyInstance, ctx: ApiContext, gc: ImageGc | null): void {
  app.post('/admin/prune-images', access('admin'), async (request) => {
    if (!request.user.isAdmin) throw new PlatformError('PLT_FORBIDDEN', 'Only an admin can prune images.');
    if (!gc) throw new PlatformError('PLT_BAD_REQUEST', 'This server uses the process runtime: there are no release images to prune.');
    const removed = await gc.collect();
    return { removed, kept_releases_per_app: ctx.config.imagesToKeep };
  });
}
