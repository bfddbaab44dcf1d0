import type Docker from 'dockerode';
import { dockerError, dockerStatus } from '@platform/docker-kit';
import { ErrorCodes, PlatformError } from '@platform/types';
import { addonLabels, addonObjects, containerOptions, type ContainerSpec } from './container.ts';

/** The container's last lines of output (redis-server's complaint), demultiplexed. */
export async function containerLogTail(docker: Docker, name: string, lines = 10): Promise<string> {
  const raw = (await docker
    .getContainer(name)
    .logs({ stdout: true, stderr: true, tail: lines, follow: false })
    .catch(() => Buffer.alloc(0))) as unknown as Buffer;
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(i + 4);
    out.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString('utf8').trim();
}

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
