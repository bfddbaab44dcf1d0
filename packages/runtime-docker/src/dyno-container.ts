import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Dyno, DynoSize, DynoSpec } from '@platform/types';
import { IMAGE_APP_DIR, IMAGE_LAUNCH_SCRIPT, dynoEnvironment, launchArgv, signalName } from '@platform/runtime-kit';

/** Pure translation between a DynoSpec, the container it becomes, and the Dyno read back from labels. */

export const LABEL = {
  managed: 'platform.managed',
  app: 'platform.app',
  appId: 'platform.app-id',
  releaseId: 'platform.release-id',
  releaseVersion: 'platform.release-version',
  type: 'platform.type',
  dyno: 'platform.dyno',
  command: 'platform.command',
  port: 'platform.port',
} as const;

export interface ContainerSettings {
  /** This platform instance's id: the value of every container's `platform.managed` label. */
  instance: string;
  user: string;
  port: number;
  size: DynoSize;
}

/**
 * The dyno's whole environment as `KEY=value` strings: config + platform vars (runtime-kit's `dynoEnvironment`).
 * Image vars (PATH, LANG) are merged by the engine.
 */
export function dynoEnv(spec: DynoSpec, port: number): string[] {
  // A Dockerfile image keeps its own HOME (its app need not live in /app).
  const home = spec.artifact.kind === 'dockerfile' ? null : IMAGE_APP_DIR;
  // docker-init (tini) forwards signals to the whole process group: SIGTERM reaches every process.
  const env = dynoEnvironment(spec.env, { dyno: spec.name, port, home, extra: { TINI_KILL_PROCESS_GROUP: '1' } });
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/**
 * The container a dyno becomes: the release image, its launch (`launch`: the slug's script from /app, or a
 * Dockerfile image's own way), the dyno's env, the
 * settings' user and limits, the app's `network` (the spec's size, else the default), hardened (no capabilities, no new
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
    ...launch(spec),
    Env: dynoEnv(spec, settings.port),
    User: settings.user,
    Labels: {
      ...spec.labels,
      [LABEL.managed]: settings.instance,
      [LABEL.app]: spec.app,
      [LABEL.appId]: spec.appId,
      [LABEL.releaseId]: spec.releaseId,
      [LABEL.releaseVersion]: String(spec.releaseVersion),
      [LABEL.type]: spec.type,
      [LABEL.dyno]: spec.name,
      [LABEL.command]: spec.command,
      [LABEL.port]: String(settings.port),
    },
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

/**
 * How the container runs the spec's command. A slug's release image: runtime-kit's launch script from /app, the
 * image's entrypoint cleared. An image built from the app's Dockerfile runs as `docker run` would: its ENTRYPOINT and
 * WORKDIR kept, a command as `/bin/sh -c <command>` in place of its CMD, no command (`''`) its own CMD.
 */
function launch(spec: DynoSpec): Pick<Docker.ContainerCreateOptions, 'Cmd' | 'Entrypoint' | 'WorkingDir'> {
  if (spec.artifact.kind === 'dockerfile') return spec.command === '' ? {} : { Cmd: ['/bin/sh', '-c', spec.command] };
  return { Cmd: launchArgv(spec.command, IMAGE_LAUNCH_SCRIPT), Entrypoint: [], WorkingDir: IMAGE_APP_DIR };
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
  const l = facts.labels;
  return {
    id: facts.id,
    app: l[LABEL.app] ?? '',
    appId: l[LABEL.appId] ?? '',
    releaseId: l[LABEL.releaseId] ?? '',
    releaseVersion: Number(l[LABEL.releaseVersion] ?? 0),
    type: l[LABEL.type] ?? '',
    name: l[LABEL.dyno] ?? '',
    // A Dockerfile image's own CMD (no declared command): what Docker runs, its ENTRYPOINT + CMD, for `ps`.
    command: l[LABEL.command] || facts.runs || '',
    address: { host: facts.ip, port: Number(l[LABEL.port] ?? 0) },
    startedAt: facts.startedAt,
    running: facts.running,
  };
}

/** Docker reports a signal death as 128+n (tini passes it on): map it back like a child process exit. */
export function exitFromStatus(status: number | null): { code: number | null; signal: string | null } {
  if (status === null) return { code: null, signal: null };
  if (status > 128 && status < 128 + 32) {
    const name = signalName(status - 128);
    if (name) return { code: null, signal: name };
  }
  return { code: status, signal: null };
}

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
