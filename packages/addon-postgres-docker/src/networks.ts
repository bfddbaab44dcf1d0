import type Docker from 'dockerode';
import { dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { ADDON_LABEL, addonObjects } from './container.ts';

/** What reconciling one add-on's networks changed. */
export interface NetworkChanges {
  addonId: string;
  /** Networks the container joined (an attached app's it was missing from). */
  joined: string[];
  /** Networks the container left (no attachment of the add-on needs them). */
  left: string[];
}

/** Joins the container to `network` under its name as alias (the URL's host); already joined is fine. */
export async function joinNetwork(docker: Docker, container: { id: string; name: string }, network: string): Promise<void> {
  try {
    await docker.getNetwork(network).connect({ Container: container.id, EndpointConfig: { Aliases: [container.name] } });
  } catch (err) {
    // 403 "endpoint … already exists": connected before.
    if (dockerStatus(err) !== 403 && !/already exists/i.test(String((err as Error).message))) throw dockerError(`connect ${container.name} to ${network}`, err);
  }
}

/** Takes the container off `network`; not connected (or the network gone) is fine. */
export async function leaveNetwork(docker: Docker, container: { id: string; name: string }, network: string): Promise<void> {
  await docker
    .getNetwork(network)
    .disconnect({ Container: container.id, Force: true })
    .catch((err: unknown) => {
      if (!isNotFound(err) && !/is not connected/i.test(String((err as Error).message))) throw dockerError(`disconnect ${container.name} from ${network}`, err);
    });
}

/**
 * Puts an add-on's container on exactly the networks its attachments need: its owner's (its label) and
 * `attachedNetworks` (the other apps it is attached to); it joins those it is missing from and leaves any other.
 * What is already right is left alone. Resolves null when the container does not exist.
 *
 *   await reconcileAddonNetworks(docker, addonId, [await networkFor(otherAppId)]) // { joined: [], left: ['platform-app-…'] }
 */
export async function reconcileAddonNetworks(docker: Docker, addonId: string, attachedNetworks: readonly string[]): Promise<NetworkChanges | null> {
  const name = addonObjects(addonId).container;
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw dockerError(`inspect ${name}`, err);
  }
  const owner = info.Config.Labels?.[ADDON_LABEL.network] ?? '';
  const container = { id: info.Id, name };
  const current = Object.keys(info.NetworkSettings.Networks ?? {});
  // Without its owner's label nothing says which network is its home: left as it is rather than cut off.
  if (owner === '') return { addonId, joined: [], left: [] };
  const wanted = new Set([owner, ...attachedNetworks]);
  const joined = [...wanted].filter((n) => !current.includes(n));
  const left = current.filter((n) => !wanted.has(n));
  for (const network of joined) await joinNetwork(docker, container, network);
  for (const network of left) await leaveNetwork(docker, container, network);
  return { addonId, joined, left };
}
