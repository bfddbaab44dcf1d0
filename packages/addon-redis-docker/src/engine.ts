import type Docker from 'dockerode';
import { dockerError, dockerStatus } from '@platform/docker-kit';
import { ErrorCodes, PlatformError } from '@platform/types';
import { addonLabels, addonObjects, containerOptions, type ContainerSpec } from './container.ts';

/**
 * Creates the add-on's volume and container (not started: its files are copied in first). A container of the same
 * name created meanwhile (409) is taken as is; a missing image is named with the command that builds it.
 */
export async function createContainer(docker: Docker, spec: ContainerSpec): Promise<void> {
  const { container, volume } = addonObjects(spec.addonId);
  const fresh = !(await docker
    .getVolume(volume)
    .inspect()
    .then(() => true)
    .catch(() => false));
  try {
    await docker.createVolume({ Name: volume, Labels: addonLabels(spec) });
  } catch (err) {
    if (dockerStatus(err) !== 409) throw dockerError(`create volume ${volume}`, err);
  }
  try {
    await docker.createContainer(containerOptions(spec));
  } catch (err) {
    if (dockerStatus(err) === 409) return; // created meanwhile
    if (fresh) await docker.getVolume(volume).remove().catch(() => undefined);
    if (dockerStatus(err) === 404 && /image/i.test(String((err as Error).message))) {
      throw new PlatformError(ErrorCodes.addonProvisionFailed, `The Redis image ${spec.image} is missing on the Docker host: build it with \`bash scripts/build-local-image.sh redis\`.`, { cause: err });
    }
    throw dockerError(`create container ${container}`, err, { image: spec.image });
  }
}
