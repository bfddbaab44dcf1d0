import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Dyno, DynoSize, DynoSpec } from '@platform/types';
import { DYNO_LABEL, containerCreateLaunch, containerDynoEnv, containerExit, dynoFromLabels, dynoLabels } from '@platform/runtime-kit';

/** Pure translation between a DynoSpec, the container it becomes, and the Dyno read back from labels. */

/** The dyno labels (runtime-kit's, shared with the swarm runtime). */
export const LABEL = DYNO_LABEL;

export interface ContainerSettings {
  /** This platform instance's id: the value of every container's `platform.managed` label. */
  instance: string;
  user: string;
  port: number;
  size: DynoSize;
}

/**
 * The container a dyno becomes: the release image, its launch (runtime-kit's `containerCreateLaunch`: the slug's
 * script from /app, or a Dockerfile image's own way), the dyno's env, the settings' user and limits, the app's `network` (the spec's size, else the default), hardened (no capabilities, no new
 * privileges, no binds, tini as PID 1), and labelled so `list()` can rebuild the dyno. Pure; the spec is
 * checked before (`validateDynoSpec(spec, { image: true })`).
 */
export function containerOptions(spec: DynoSpec, settings: ContainerSettings, network: string): Docker.ContainerCreateOptions {
  const size = spec.size ?? settings.size;
  const memory = Math.floor(size.memoryMb * 1024 * 1024);
  return {
    // Readable in `docker ps`; the random suffix keeps names unique across restarts.
    name: `platform-${spec.app}-${spec.name}-${randomBytes(4).toString('hex')}`,
    Image: spec.artifact.image!,
    ...containerCreateLaunch(spec),
    Env: containerDynoEnv(spec, settings.port),
    User: settings.user,
    Labels: dynoLabels(spec, settings.instance, settings.port),
    HostConfig: {
      NetworkMode: network,
      Init: true,
      Memory: memory,
      PidsLimit: size.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      IpcMode: 'private',
      RestartPolicy: { Name: 'no' },
      AutoRemove: false, // the exit code and last lines are read after exit; stop() removes it
      Binds: [],
      Mounts: [],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
  };
}

/** The subset of list/inspect data a Dyno is read from. */
export interface ContainerFacts {
  id: string;
  labels: Record<string, string>;
  running: boolean;
  ip: string;
  startedAt: Date;
  /** What the container runs, as Docker reports it (its path and arguments joined by spaces, as `docker ps` shows). */
  runs?: string | undefined;
}

/** True for a container this very platform instance started (its `platform.managed` label holds our id). */
export function isManaged(labels: Record<string, string> | undefined, instance: string): boolean {
  return labels?.[LABEL.managed] === instance;
}

/**
 * The Dyno a container stands for, read back from its labels (what adoption after a restart relies on). Its command
 * is the declared one, or, for a Dockerfile image run by its own CMD, what the container runs (`facts.runs`).
 */
export function dynoFromContainer(facts: ContainerFacts): Dyno {
  return dynoFromLabels(facts.labels, { id: facts.id, host: facts.ip, running: facts.running, startedAt: facts.startedAt, runs: facts.runs });
}

/** Docker reports a signal death as 128+n (tini passes it on): map it back like a child process exit. */
export const exitFromStatus = (status: number | null) => containerExit(status);

/** A dyno container's address: its IP on the one network it joined (its app's, or the shared one); '' if none. */
export function containerIp(networks: Record<string, { IPAddress?: string }> | undefined): string {
  for (const n of Object.values(networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return '';
}

/**
 * The Dyno of an inspected container (its IP on its network is the dyno's address). `running` defaults to the
 * engine's state; a dyno just started passes true (from then on its exit is reported by the watch).
 */
export function dynoFromInspect(info: Docker.ContainerInspectInfo, running = info.State.Running): Dyno {
  return dynoFromContainer({
    id: info.Id,
    labels: info.Config.Labels ?? {},
    running,
    ip: containerIp(info.NetworkSettings.Networks),
    startedAt: new Date(info.State.StartedAt),
    runs: [info.Path, ...(info.Args ?? [])].filter(Boolean).join(' '),
  });
}
