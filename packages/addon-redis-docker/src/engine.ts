import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { ErrorCodes, PlatformError } from '@platform/types';
import { addonLabels, addonObjects, containerOptions, type AddonObjects, type ContainerSpec } from './container.ts';

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

/** Removes the container (killed: its connections end) and its volume (the data). What is gone already is fine. */
export async function removeContainerAndVolume(docker: Docker, names: Pick<AddonObjects, 'container' | 'volume'>): Promise<void> {
  await docker
    .getContainer(names.container)
    .remove({ force: true, v: true })
    .catch((err: unknown) => {
      if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError(`remove container ${names.container}`, err);
    });
  // The engine may hold the volume a moment longer while a removal is in progress (409): retried briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.getVolume(names.volume).remove();
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (dockerStatus(err) !== 409 || attempt >= 40) throw dockerError(`remove volume ${names.volume}`, err);
      await sleep(250);
    }
  }
}
