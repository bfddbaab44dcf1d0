import type Docker from 'dockerode';
import { addonResourceName } from '@platform/addon-kit';
import { ADDON_LABEL } from '@platform/docker-kit';

/** docker-kit's add-on labels (the docker providers' keys), plus the node a swarm add-on's volume lives on. */
export const SWARM_ADDON_LABEL = { ...ADDON_LABEL, node: 'platform.addon.node' } as const;

/** The two services this package runs. */
export type SwarmAddonService = 'postgresql' | 'redis';

/** Names of one add-on's Swarm objects, all derived from its id (the same add-on always names the same ones). */
export interface SwarmAddonObjects {
  /** `addon_<hex>`: the app's role, database or Redis user, and the key of platformd's kept password. */
  resource: string;
  /** The service, and the URL's host (Swarm's DNS resolves it on every overlay the service joins). */
  service: string;
  /** The named volume on the add-on's node. */
  volume: string;
  /** The Swarm secret the server reads at its start (PostgreSQL: the superuser's password; Redis: the ACL file). */
  secret: string;
}

/**
 * The names of an add-on's service, volume and secret: the docker providers' names (`platform-addon-<hex>`,
 * `platform-redis-<hex>`), so the URL has the same shape on both runtimes. @throws PLT_INVALID_PARAMS for a bad id
 */
export function swarmAddonObjects(service: SwarmAddonService, addonId: string): SwarmAddonObjects {
  const resource = addonResourceName(addonId);
  const hex = resource.slice('addon_'.length);
  if (service === 'postgresql') {
    const name = `platform-addon-${hex}`;
    return { resource, service: name, volume: `${name}-data`, secret: `${name}-superuser` };
  }
  const name = `platform-redis-${hex}`;
  return { resource, service: name, volume: name, secret: `${name}-acl` };
}

/** What every add-on service is made with, besides what its server needs. */
export interface SwarmAddonPlacement {
  service: SwarmAddonService;
  addonId: string;
  appId: string;
  instance: string;
  /** The image as the nodes pull it (`<registry>/platform/postgres:15-bookworm-1`). */
  image: string;
  /** The owning app's overlay: the only network the service joins at creation. */
  network: string;
  /** The node (Swarm node id) whose engine holds the volume: the only node the service may run on. */
  nodeId: string;
  memoryBytes: number;
}

/** The labels of an add-on's service, task containers, volume and secret. */
export function swarmAddonLabels(p: Pick<SwarmAddonPlacement, 'service' | 'addonId' | 'appId' | 'instance' | 'network' | 'nodeId'>): Record<string, string> {
  return {
    [SWARM_ADDON_LABEL.instance]: p.instance,
    [SWARM_ADDON_LABEL.id]: p.addonId,
    [SWARM_ADDON_LABEL.appId]: p.appId,
    [SWARM_ADDON_LABEL.service]: p.service,
    [SWARM_ADDON_LABEL.network]: p.network,
    [SWARM_ADDON_LABEL.node]: p.nodeId,
  };
}

/** The server's part of a service: its command, env, data directory, the secret file and who owns it. */
export interface ServerSpec {
  /** Replaces the image's ENTRYPOINT when set. */
  command?: string[];
  env: string[];
  /** Where the volume is mounted. */
  dataDir: string;
  /** The secret's file under /run/secrets, readable only by the server's user. */
  secretFile: { name: string; uid: number; gid: number };
}

/** A secret a service reads: its Swarm id and name. */
export interface SecretRef {
  id: string;
  name: string;
}

/** Swarm's nanoseconds. */
const NS_PER_MS = 1_000_000;

/**
 * An add-on's service: one replica of the server image, Swarm restarting it after any exit (1 s apart), pinned
 * to the node holding its named volume (a placement constraint on the node id: a restarted task finds its data),
 * on the owning app's overlay only, with no published port and no virtual IP (`dnsrr`: the service's name
 * resolves to its task, with no IPVS idle timeout cutting a database connection), the secret as a 0400 file of
 * the server's user (never in env, argv or labels: `docker service inspect` shows only its name), no
 * capabilities, memory and pid limits. Pure.
 */
export function swarmAddonServiceSpec(p: SwarmAddonPlacement, server: ServerSpec, secret: SecretRef): Docker.CreateServiceOptions {
  const names = swarmAddonObjects(p.service, p.addonId);
  const labels = swarmAddonLabels(p);
  return {
    Name: names.service,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: p.image,
        ...(server.command ? { Command: server.command } : {}),
        Env: server.env,
        Labels: labels,
        Mounts: [{ Type: 'volume', Source: names.volume, Target: server.dataDir, VolumeOptions: { Labels: labels } }],
        Secrets: [
          {
            SecretID: secret.id,
            SecretName: secret.name,
            File: { Name: server.secretFile.name, UID: String(server.secretFile.uid), GID: String(server.secretFile.gid), Mode: 0o400 },
          },
        ],
        CapabilityDrop: ['ALL'],
        StopGracePeriod: 30_000 * NS_PER_MS,
      } as Docker.ContainerSpec,
      Resources: { Limits: { MemoryBytes: p.memoryBytes, Pids: 256 } as Docker.ResourceRequirements['Limits'] },
      RestartPolicy: { Condition: 'any', Delay: 1_000 * NS_PER_MS, MaxAttempts: 0 },
      Placement: { Constraints: [`node.id==${p.nodeId}`] },
      Networks: [{ Target: p.network }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '2' } },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr', Ports: [] },
  };
}

/** The image as the swarm's nodes pull it: `<registry>/<image>` (an image already naming a registry stays). */
export function registryImage(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasRegistry ? image : `${registry}/${image}`;
}
