import type Docker from 'dockerode';
import { addonResourceName } from '@platform/addon-kit';
import { ADDON_LABEL, inspectAddonContainer as inspectContainer, type AddonContainerState as ContainerState } from '@platform/docker-kit';

/** docker-kit's add-on labels and container view, shared with the PostgreSQL provider. */
export { ADDON_LABEL, inspectContainer, type ContainerState };

/** Names of an add-on's objects, all derived from its id. Throws PLT_INVALID_PARAMS for a bad id. */
export interface AddonObjects {
  /** `addon_<hex>`: the app's Redis user (and the key of platformd's kept admin password). */
  user: string;
  /** `platform-redis-<hex>`: the container, and the host name in the URL (resolvable on the networks it joins). */
  container: string;
  /** `platform-redis-<hex>`: the named volume holding the AOF. */
  volume: string;
}

/** The names of an add-on's container, volume and user. */
export function addonObjects(addonId: string): AddonObjects {
  const user = addonResourceName(addonId);
  const name = `platform-redis-${user.slice('addon_'.length)}`;
  return { user, container: name, volume: name };
}


/** What an add-on's container is created with. */
export interface ContainerSpec {
  addonId: string;
  appId: string;
  instance: string;
  image: string;
  /** The owning app's network: the only one the container joins at creation. */
  network: string;
  memoryBytes: number;
}

/** The labels of an add-on's container (with its network) and volume (without). */
export function addonLabels(spec: Pick<ContainerSpec, 'addonId' | 'appId' | 'instance'>, network?: string): Record<string, string> {
  return {
    [ADDON_LABEL.instance]: spec.instance,
    [ADDON_LABEL.id]: spec.addonId,
    [ADDON_LABEL.appId]: spec.appId,
    [ADDON_LABEL.service]: 'redis',
    ...(network === undefined ? {} : { [ADDON_LABEL.network]: network }),
  };
}

/**
 * The add-on's container: the image's redis-server as its `redis` user on the config copied in before the start
 * (no secret in env, argv or labels), the AOF on the named volume, on the owning app's network only with its name
 * as alias, no port published, no capabilities, no new privileges, a memory and pid limit, restarted by the engine
 * unless stopped. Pure.
 */
export function containerOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const names = addonObjects(spec.addonId);
  return {
    name: names.container,
    Image: spec.image,
    Labels: addonLabels(spec, spec.network),
    HostConfig: {
      NetworkMode: spec.network,
      Mounts: [{ Type: 'volume', Source: names.volume, Target: '/data' }],
      RestartPolicy: { Name: 'unless-stopped' },
      Memory: spec.memoryBytes,
      PidsLimit: 256,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PortBindings: {},
      PublishAllPorts: false,
    },
    NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [names.container] } } },
  };
}
