import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.ts';
import { installDynoFirewall, platformEndpointAddresses } from './dyno-firewall.ts';

/** The network build containers join: its host interface `plt-builds` falls under the dyno firewall. */
export const BUILD_NETWORK = { name: 'platform-builds', bridge: 'plt-builds' } as const;

/**
 * Docker mode: the network builds run on (created when missing), and the host firewall that keeps builds and
 * per-app dyno networks off the host, link-local addresses and the platform's own endpoints (`dyno-firewall.ts`).
 * With a shared dyno network (PLATFORM_DYNO_NETWORK: platformd in a container, docker-compose.yml) builds share
 * it too and no firewall can be installed from here: that is logged. Resolves the build network's name.
 */
export async function fenceDockerWorkloads(config: Readonly<ServerConfig>, docker: Docker, logger: Logger): Promise<string> {
  if (config.dynoNetwork) {
    logger.warn(
      { network: config.dynoNetwork },
      'every dyno shares one network (PLATFORM_DYNO_NETWORK): apps are not isolated from each other on the network; run platformd on the host for a network per app',
    );
    return config.dynoNetwork;
  }
  const found = await docker.listNetworks({ filters: { name: [BUILD_NETWORK.name] } });
  if (!found.some((n) => n.Name === BUILD_NETWORK.name)) {
    await docker
      .createNetwork({
        Name: BUILD_NETWORK.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Options: { 'com.docker.network.bridge.name': BUILD_NETWORK.bridge },
        Labels: { 'platform.managed': '1' },
      })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 409) throw err; // 409: created meanwhile by another platform on this engine
      });
  }
  if (!config.dynoFirewall) {
    logger.warn('PLATFORM_DYNO_FIREWALL=off: dynos and builds can reach this host and link-local addresses');
  } else if (process.getuid?.() !== 0) {
    logger.warn('not root: the dyno firewall is not installed, so dynos and builds can reach this host and link-local addresses');
  } else {
    const addresses = await platformEndpointAddresses([config.databaseUrl, config.dockerHost?.startsWith('tcp://') ? config.dockerHost.replace(/^tcp:/, 'http:') : null]);
    const { installed, problems } = await installDynoFirewall(addresses, logger);
    if (!installed || problems.length > 0) logger.warn({ problems }, 'the dyno firewall is incomplete: dynos and builds may reach this host');
  }
  return BUILD_NETWORK.name;
}
