import { dockerError, dockerStatus, isNotFound } from './docker-errors.ts';

/** The part of a dockerode client `removeContainerAndVolume` uses. */
export interface ContainerVolumeRemover {
  getContainer(name: string): { remove(options: { force: boolean; v: boolean }): Promise<unknown> };
  getVolume(name: string): { remove(): Promise<unknown> };
}

/**
 * Removes a container (killed: its connections end) and then its named volume (the data); what is gone already is
 * fine. The engine may hold the volume a moment longer while a removal is in progress (409): retried for ~10 s.
 * Used by the docker add-on providers, whose server and data are one container and one volume.
 *
 * @throws PLT_RUNTIME_UNAVAILABLE (`dockerError`) for any other failure
 */
export async function removeContainerAndVolume(docker: ContainerVolumeRemover, names: { container: string; volume: string }): Promise<void> {
  await docker
    .getContainer(names.container)
    .remove({ force: true, v: true })
    .catch((err: unknown) => {
      if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError(`remove container ${names.container}`, err);
    });
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.getVolume(names.volume).remove();
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (dockerStatus(err) !== 409 || attempt >= 40) throw dockerError(`remove volume ${names.volume}`, err);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
