import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { AppRecord } from '@platform/store-postgres';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { RegistryClient } from '@platform/runtime-swarm';
import { createReleaseImage, pushReleaseImage } from '@platform/builder-docker';
import { registryPlace } from '../registry-gc.ts';

/**
 * Docker mode: a release image collected by the image GC (beyond PLATFORM_IMAGES_TO_KEEP) is recreated from the
 * release's slug under its own tag, `platform/<app>:<build id>` (stack + slug, no source rebuild), before the
 * release runs again — a rollback to any release whose slug exists works. An image built from the app's
 * Dockerfile has no slug: `imageExists` lets the deployer refuse a rollback to one that was collected.
 *
 * Swarm mode (`registry`): a release whose tag the registry still has (a kept one) needs nothing — every node
 * pulls it from there, even after the manager's own copy went; otherwise the image (the manager's, or recreated
 * from the slug) is pushed there, tagged by its build, before any dyno of the release starts. A registry that
 * does not answer fails the deploy at that push (PLT_RUNTIME_UNAVAILABLE); running dynos are not touched.
 */
export function imageEnsurer(docker: Docker, stackImage: string, logger: Logger, registry?: { host: string; client: RegistryClient }) {
  const local = (image: string): Promise<boolean> => docker.getImage(image).inspect().then(() => true, () => false);
  // A registry API platformd cannot ask (PLATFORM_REGISTRY_URL wrong, or the registry down) is no answer: the
  // push that follows says whether the registry is there.
  const inRegistry = async (image: string): Promise<boolean> => {
    const place = registry ? registryPlace(image) : null;
    if (!place) return false;
    return registry!.client.digestOf(place.repository, place.tag).then(
      (digest) => digest !== null,
      (err: unknown) => {
        logger.warn({ err, image }, 'could not ask the registry for a release image; pushing it');
        return false;
      },
    );
  };
  return {
    /**
     * Makes each of a release's images runnable: `images` is the release image of a slug (recreated from
     * `slugPath` when collected), or the image(s) built from the app's Dockerfile (one per process type where
     * heroku.yml built several; no slug: one collected is an error, PLT_CONFLICT). Swarm: each is then pushed.
     */
    async ensureImage(input: { app: AppRecord; buildId: string; slugPath: string | null; images: string[] }): Promise<void> {
      for (const image of input.images) {
        if (await inRegistry(image)) continue;
        if (!(await local(image))) {
          if (input.slugPath === null) {
            throw new PlatformError(ErrorCodes.conflict, `The image ${image}, built from the app's Dockerfile, was collected and has no slug to recreate it from. Deploy its code again instead (git push).`);
          }
          logger.info({ app: input.app.name, image }, 'recreating a collected release image from its slug');
          await createReleaseImage({ docker, stackImage, slugPath: input.slugPath, app: input.app.name, appId: input.app.id, buildId: input.buildId });
        }
        if (registry) await pushReleaseImage({ docker, image, registry: registry.host });
      }
    },
    imageExists: async (image: string): Promise<boolean> => (await local(image)) || (await inRegistry(image)),
  };
}
