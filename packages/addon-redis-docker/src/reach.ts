import type Docker from 'dockerode';
import { ErrorCodes, PlatformError } from '@platform/types';
import { inspectContainer } from './container.ts';

/**
 * The same add-on URL with the container's address on its owning network instead of its name, for a client on
 * the Docker host itself (tests, benchmarks, an operator): only containers on the network resolve the name.
 * Apps never need this; nothing is published on the host.
 *
 *   await reachableUrl(docker, 'redis://addon_…:pw@platform-redis-…:6379') // …@10.213.4.3:6379
 *
 * @throws PLT_ADDON_NOT_FOUND when the container is gone or has no address
 */
export async function reachableUrl(docker: Docker, url: string): Promise<string> {
  const u = new URL(url);
  if (!/^platform-redis-[0-9a-f]{32}$/.test(u.hostname)) throw new PlatformError(ErrorCodes.invalidParams, 'Not a docker Redis add-on URL.');
  const state = await inspectContainer(docker, u.hostname);
  if (!state?.ip) throw new PlatformError(ErrorCodes.addonNotFound, `The add-on container ${u.hostname} is not running.`);
  u.hostname = state.ip;
  return u.toString();
}
