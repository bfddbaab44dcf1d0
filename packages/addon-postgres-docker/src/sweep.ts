import type Docker from 'dockerode';
import { dockerError } from '@platform/docker-kit';
import { ADDON_LABEL, addonObjects } from './container.ts';
import { removeContainerAndVolume } from '@platform/docker-kit';
import type { KeptPasswords } from '@platform/addon-kit';

/**
 * Removes the PostgreSQL add-on containers and volumes of `instance` whose add-on is not in `liveAddonIds` (a
 * platformd that died between removing an add-on's row and its container, say), with their kept passwords.
 * Only at start-up, before any add-on is created: a row always exists while its container does otherwise.
 * Resolves the add-on ids removed.
 */
export async function sweepOrphanedAddons(
  docker: Docker,
  instance: string,
  passwords: KeptPasswords,
  liveAddonIds: ReadonlySet<string>,
): Promise<string[]> {
  const filters = { label: [`${ADDON_LABEL.instance}=${instance}`, `${ADDON_LABEL.service}=postgresql`] };
  let ids: string[];
  try {
    const containers = await docker.listContainers({ all: true, filters });
    const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
    ids = [...containers.map((c) => c.Labels?.[ADDON_LABEL.id] ?? ''), ...volumes.map((v) => v.Labels?.[ADDON_LABEL.id] ?? '')];
  } catch (err) {
    throw dockerError('list add-on containers', err);
  }
  const orphans = [...new Set(ids)].filter((id) => id !== '' && !liveAddonIds.has(id));
  for (const id of orphans) {
    const names = addonObjects(id);
    await removeContainerAndVolume(docker, names);
    await passwords.remove(names.resource);
  }
  return orphans;
}
