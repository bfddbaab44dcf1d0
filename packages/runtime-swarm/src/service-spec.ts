import { createHash, randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Dyno, DynoSize, DynoSpec } from '@platform/types';
import { DYNO_LABEL, containerDynoEnv, containerExit, containerLaunch, dynoFromLabels, dynoLabels } from '@platform/runtime-kit';

/** Pure translation between a DynoSpec, the Swarm service it becomes, and the Dyno read back from it. */

/** The dyno labels (runtime-kit's, shared with the docker runtime), and `publish`. */
export const LABEL = {
  ...DYNO_LABEL,
  /** `host`: the dyno's $PORT is published on its node (the address is the node's); absent: the overlay address. */
  publish: 'platform.publish',
} as const;

/** One-off process types: they run as Swarm jobs (a task that runs to completion), never restarted. */
export const ONE_OFF_TYPES: ReadonlySet<string> = new Set(['run', 'release']);

/** Where the router reaches a dyno: its task's overlay address, or its node's address and a port published there. */
export type AddressMode = 'overlay' | 'published';

export interface ServiceSettings {
  /** This platform instance's id: the value of every service's `platform.managed` label. */
  instance: string;
  user: string;
  port: number;
  size: DynoSize;
  /** SIGTERM → SIGKILL, fixed per service at create (Swarm has no signal call); ms. */
  stopGraceMs: number;
  addresses: AddressMode;
  /** Registry host[:port] that image references without one are pulled from, e.g. `127.0.0.1:5000`. */
  registry?: string | undefined;
}

/** `platform/app:build` → `<registry>/platform/app:build`; a reference naming a registry already is kept. */
export function imageReference(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const first = image.split('/')[0]!;
  const named = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return named ? image : `${registry}/${image}`;
}

/** The service name: readable in `docker service ls`, unique, a DNS label (≤ 63 characters, no dots). */
export function serviceName(spec: Pick<DynoSpec, 'app' | 'name'>): string {
  const readable = `plt-${spec.app}-${spec.name.replace(/[._]/g, '-')}`.slice(0, 54).replace(/-+$/, '');
  return `${readable}-${randomBytes(4).toString('hex')}`;
}

/** A short, stable name part for an app id (network names). */
export function appHash(appId: string): string {
  return createHash('sha256').update(appId).digest('hex').slice(0, 12);
}

/**
 * The service a dyno becomes: one replica (a job for one-off types) of the release image, runtime-kit's launch
 * script from /app, the dyno's env, the settings' user and limits, tini as PID 1 (SIGTERM reaches every
 * process), all capabilities dropped, Swarm's own restarts off (the process manager restarts, with backoff),
 * on `network`, labelled so `list()` can rebuild the dyno. Pure; the spec is checked before.
 */
export function serviceSpec(
  spec: DynoSpec,
  settings: ServiceSettings,
  network: string,
): Docker.CreateServiceOptions {
  const size = spec.size ?? settings.size;
  const oneOff = ONE_OFF_TYPES.has(spec.type);
  const publish = settings.addresses === 'published' && !oneOff;
  const labels: Record<string, string> = {
    ...dynoLabels(spec, settings.instance, settings.port),
    ...(publish ? { [LABEL.publish]: 'host' } : {}),
  };
  const launch = containerLaunch(spec);
  return {
    Name: serviceName(spec),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: imageReference(spec.artifact.image!, settings.registry),
        // Swarm's Command replaces the image's ENTRYPOINT and Args its CMD (runtime-kit's containerLaunch).
        ...(launch.kind === 'slug' ? { Command: launch.argv, Dir: launch.workingDir } : launch.cmd ? { Args: launch.cmd } : {}),
        Env: containerDynoEnv(spec, settings.port),
        User: settings.user,
        Labels: labels,
        Init: true,
        CapabilityDrop: ['ALL'],
        StopSignal: 'SIGTERM',
        StopGracePeriod: settings.stopGraceMs * 1_000_000,
      },
      Resources: {
        Limits: {
          MemoryBytes: Math.floor(size.memoryMb * 1024 * 1024),
          Pids: size.pids,
        } as Docker.ResourceRequirements['Limits'],
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Networks: [{ Target: network }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '2' } },
    },
    Mode: oneOff
      ? { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } }
      : { Replicated: { Replicas: 1 } },
    EndpointSpec: {
      // No virtual IP: the dyno is its one task, reached at the task's own address.
      Mode: 'dnsrr',
      Ports: publish ? [{ Protocol: 'tcp', TargetPort: settings.port, PublishMode: 'host' }] : [],
    },
  };
}

/** What a Swarm task says about itself (the parts the driver reads). */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: { Placement?: { Constraints?: string[] } };
  Status?: {
    Timestamp?: string;
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number }> };
  };
  NetworksAttachments?: Array<{ Network?: { ID?: string; Spec?: { Name?: string } }; Addresses?: string[] }>;
}

/** Task states before the container runs, and the ones it ends in. */
const PENDING_STATES = new Set([
  'new',
  'allocated',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
]);
const FINAL_STATES = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

export const isPendingTask = (task: SwarmTask) => PENDING_STATES.has(task.Status?.State ?? 'new');
export const isRunningTask = (task: SwarmTask) => task.Status?.State === 'running';
export const isFinishedTask = (task: SwarmTask) => FINAL_STATES.has(task.Status?.State ?? '');
/** A task that ended before its container existed (image not pullable, no node, bad spec). */
export const neverStarted = (task: SwarmTask) =>
  isFinishedTask(task) && !task.Status?.ContainerStatus?.ContainerID;

/** The dyno's task: the newest one (after a stop, the pending replacement that never runs is not it). */
export function dynoTask(tasks: SwarmTask[]): SwarmTask | undefined {
  const started = tasks.filter((t) => !isPendingTask(t) || t.Status?.ContainerStatus?.ContainerID);
  const pool = started.length > 0 ? started : tasks;
  return [...pool].sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
}

/** A task's address on `network` (its overlay IP, without the prefix length); '' while it has none. */
export function overlayAddress(task: SwarmTask | undefined, network: string): string {
  for (const n of task?.NetworksAttachments ?? []) {
    if (n.Network?.ID === network || n.Network?.Spec?.Name === network)
      return (n.Addresses?.[0] ?? '').split('/')[0]!;
  }
  return (
    task?.NetworksAttachments?.find((n) => n.Network?.Spec?.Name !== 'ingress')?.Addresses?.[0] ?? ''
  ).split('/')[0]!;
}

/** The host port a task's $PORT is published on (host mode), or 0. */
export function publishedPort(task: SwarmTask | undefined, port: number): number {
  return task?.Status?.PortStatus?.Ports?.find((p) => p.TargetPort === port)?.PublishedPort ?? 0;
}

/** The Dyno a service stands for, read back from its labels (what adoption relies on), at `host:port`. */
export function dynoFromService(service: Docker.Service, host: string, port: number, running: boolean, startedAt: Date): Dyno {
  return dynoFromLabels(service.Spec?.Labels ?? {}, { id: service.ID, host, port, running, startedAt });
}

/** A finished task's exit: 128+n (tini passes a signal death on) → the signal's name, as for a child process. */
export function exitOfTask(task: SwarmTask | undefined): { code: number | null; signal: string | null } {
  return containerExit(task?.Status?.ContainerStatus?.ExitCode);
}
