import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { AppRecord } from '@platform/store-postgres';
import { createReleaseImage, pushReleaseImage } from '@platform/builder-docker';

/**
 * Docker mode: a release image collected by the image GC (beyond PLATFORM_IMAGES_TO_KEEP) is recreated from the
 * release's slug under its own tag, `platform/<app>:<build id>` (stack + slug, no source rebuild), before the
 * release runs again — a rollback to any release whose slug exists works. An image built from the app's
 * Dockerfile has no slug: `imageExists` lets the deployer refuse a rollback to one that was collected. With a
 * `registry` (swarm mode) the image is then pushed there, tagged by its build, before any dyno of the release
 * starts.
 */
export function imageEnsurer(docker: Docker, stackImage: string, logger: Logger, registry?: string) {
  return {
    async ensureImage(input: { app: AppRecord; buildId: string; slugPath: string; image: string }): Promise<void> {
      if (!(await docker.getImage(input.image).inspect().then(() => true, () => false))) {
        logger.info({ app: input.app.name, image: input.image }, 'recreating a collected release image from its slug');
        await createReleaseImage({ docker, stackImage, slugPath: input.slugPath, app: input.app.name, appId: input.app.id, buildId: input.buildId });
      }
      // Swarm: every node pulls the release from the registry (a push of what it has already is a quick no-op).
      if (registry) await pushReleaseImage({ docker, image: input.image, registry });
    },
    imageExists: (image: string): Promise<boolean> => docker.getImage(image).inspect().then(() => true, () => false),
  };
}
