import type Docker from 'dockerode';
import type { BuilderLogger } from '@platform/builder-kit';
import { dockerStatus, isNotFound } from '@platform/docker-kit';

export interface PruneImagesOptions {
  docker: Docker;
  /** Only this app's images; default every `platform.app`-labelled image. */
  app?: string | undefined;
  /** Newest images kept per app (by creation time). Default 5. */
  keep?: number | undefined;
  /** Image references never removed (e.g. those of releases a rollback may return to). */
  protect?: readonly string[] | undefined;
  /** Also keeps an image when this says so (e.g. its `platform.build` label names a release to keep). */
  keepImage?: ((image: Docker.ImageInfo) => boolean) | undefined;
  logger?: BuilderLogger | undefined;
}

/**
 * Removes old release images: per app, keeps the `keep` newest, the protected ones and every image
 * a container (running or stopped) uses. Returns the removed image ids. Never forces a removal.
 *
 *   await pruneImages({ docker, app: 'my-app', keep: 3, protect: [currentRelease.image] });
 */
export async function pruneImages(options: PruneImagesOptions): Promise<string[]> {
  const { docker, logger } = options;
  const keep = options.keep ?? 5;
  const label = options.app === undefined ? 'platform.app' : `platform.app=${options.app}`;
  const images = await docker.listImages({ filters: { label: [label] } });
  const containers = await docker.listContainers({ all: true });
  const inUse = new Set(containers.flatMap((c) => [c.ImageID, c.Image]));
  const protectedRefs = new Set(options.protect ?? []);

  const byApp = new Map<string, Docker.ImageInfo[]>();
  for (const image of images) {
    const app = image.Labels?.['platform.app'];
    if (!app) continue;
    byApp.set(app, [...(byApp.get(app) ?? []), image]);
  }
  const removed: string[] = [];
  for (const [app, list] of byApp) {
    list.sort((a, b) => b.Created - a.Created);
    for (const image of list.slice(keep)) {
      const refs = [image.Id, ...(image.RepoTags ?? [])];
      if (refs.some((ref) => inUse.has(ref) || protectedRefs.has(ref))) continue;
      if (options.keepImage?.(image)) continue;
      try {
        // Untag each reference, which deletes the image once the last one goes.
        for (const tag of image.RepoTags ?? [image.Id]) await docker.getImage(tag).remove();
        removed.push(image.Id);
        logger?.info({ app, image: image.RepoTags?.[0] ?? image.Id }, 'release image pruned');
      } catch (err) {
        // 409: used by a container created meanwhile; 404: removed by someone else.
        if (!isNotFound(err) && dockerStatus(err) !== 409) throw err;
      }
    }
  }
  return removed;
}
