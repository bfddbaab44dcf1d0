import type Docker from 'dockerode';
import { addonResourceName } from '@platform/addon-kit';
import { ADDON_LABEL } from '@platform/docker-kit';

/** The labels of a docker add-on's container and volume (docker-kit's, shared with the Redis provider). */
export { ADDON_LABEL };


/** The superuser the image's entrypoint creates at the first start (with a database of the same name). */
export const SUPERUSER = 'platform';

/** Where the superuser's password is put into a new container for initdb; removed once the server answers. */
export const PASSWORD_FILE = '/tmp/platform-superuser-password';

/** The port PostgreSQL listens on inside the container (never published on the host). */
export const POSTGRES_PORT = 5432;

/** Names of an add-on's Docker objects, all derived from its id: the same add-on always names the same ones. */
export interface AddonObjects {
  /** `addon_<hex>`: the app's role and database. */
  resource: string;
  /** `platform-addon-<hex>`: the container, and the host name in the URL (resolvable on the networks it joins). */
  container: string;
  /** `platform-addon-<hex>-data`: the named volume holding the cluster. */
  volume: string;
}

/** The names of an add-on's container, volume, role and database. Throws PLT_INVALID_PARAMS for a bad id. */
export function addonObjects(addonId: string): AddonObjects {
  const resource = addonResourceName(addonId);
  const hex = resource.slice('addon_'.length);
  return { resource, container: `platform-addon-${hex}`, volume: `platform-addon-${hex}-data` };
}

/** What the container is created with, besides its names. */
export interface ContainerSpec {
  addonId: string;
  appId: string;
  instance: string;
  image: string;
  /** The owning app's network: the only one the container joins at creation. */
  network: string;
  memoryMb: number;
}

/**
 * The add-on's container: the PostgreSQL image's entrypoint (initdb on the first start with the superuser's
 * password from `PASSWORD_FILE`, put in before the start, so no secret is in its env, argv or labels: `docker
 * inspect` shows none), the cluster on the named volume, restarted by the engine unless stopped (it survives a
 * dockerd restart), on the owning app's network only with its name as alias, no port published, no capabilities,
 * no new privileges, a memory and pid limit. Pure.
 */
export function containerOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const names = addonObjects(spec.addonId);
  return {
    name: names.container,
    Image: spec.image,
    Env: [`POSTGRES_USER=${SUPERUSER}`, `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`],
    Labels: {
      [ADDON_LABEL.instance]: spec.instance,
      [ADDON_LABEL.id]: spec.addonId,
      [ADDON_LABEL.appId]: spec.appId,
      [ADDON_LABEL.service]: 'postgresql',
      [ADDON_LABEL.network]: spec.network,
    },
    HostConfig: {
      NetworkMode: spec.network,
      Mounts: [{ Type: 'volume', Source: names.volume, Target: '/var/lib/postgresql/data' }],
      RestartPolicy: { Name: 'unless-stopped' },
      Memory: spec.memoryMb * 1024 * 1024,
      PidsLimit: 256,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PortBindings: {},
      PublishAllPorts: false,
    },
    NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [names.container] } } },
  };
}

/** The add-on volume's labels (a sweep finds an orphaned volume by them). */
export function volumeLabels(spec: Pick<ContainerSpec, 'addonId' | 'appId' | 'instance'>): Record<string, string> {
  return { [ADDON_LABEL.instance]: spec.instance, [ADDON_LABEL.id]: spec.addonId, [ADDON_LABEL.appId]: spec.appId, [ADDON_LABEL.service]: 'postgresql' };
}
