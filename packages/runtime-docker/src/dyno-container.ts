import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type Docker from 'dockerode';
import {
  APP_NAME_RE,
  DYNO_NAME_RE,
  ErrorCodes,
  PROCESS_TYPE_RE,
  PlatformError,
  SLUG_LAUNCH_SCRIPT,
  type Dyno,
  type DynoSize,
  type DynoSpec,
} from '@platform/types';
import { appEnvironment } from '@platform/runtime-kit';

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

/** The shared slug launch (see `SLUG_LAUNCH_SCRIPT`), from the image's /app. */
export const LAUNCH_SCRIPT = `cd /app || exit 1\n${SLUG_LAUNCH_SCRIPT}`;

export interface ContainerSettings {
  /** This platform instance's id: the value of every container's `platform.managed` label. */
  instance: string;
  network: string;
  user: string;
  port: number;
  size: DynoSize;
}

export function validateSpec(spec: DynoSpec): void {
  const bad = (field: string) =>
    new PlatformError(ErrorCodes.invalidParams, `Invalid dyno spec: ${field}.`, { details: { field } });
  if (!APP_NAME_RE.test(spec.app)) throw bad('app');
  if (!PROCESS_TYPE_RE.test(spec.type)) throw bad('type');
  if (!DYNO_NAME_RE.test(spec.name)) throw bad('name');
  if (typeof spec.command !== 'string' || spec.command.length === 0 || spec.command.includes('\0')) {
    throw bad('command');
  }
  if (!spec.artifact?.image) {
    throw new PlatformError(
      ErrorCodes.runtimeUnavailable,
      `Release ${spec.releaseVersion} of ${spec.app} has no Docker image; the docker runtime needs one (rebuild the app).`,
      { details: { app: spec.app, releaseId: spec.releaseId } },
    );
  }
  if (spec.size && !(spec.size.memoryMb >= 6 && spec.size.pids >= 1)) throw bad('size');
}

/** The dyno's whole environment: config (runtime-kit's `appEnvironment`) + platform vars. Image vars (PATH, LANG) are merged by the engine. */
export function dynoEnv(spec: DynoSpec, port: number): string[] {
  const env = Object.entries(appEnvironment(spec.env)).map(([key, value]) => `${key}=${value}`);
  // docker-init (tini) forwards signals to the whole process group: SIGTERM reaches every process.
  env.push('HOME=/app', `DYNO=${spec.name}`, `PORT=${port}`, 'TINI_KILL_PROCESS_GROUP=1');
  return env;
}

export function containerOptions(spec: DynoSpec, settings: ContainerSettings): Docker.ContainerCreateOptions {
  const size = spec.size ?? settings.size;
  const memory = Math.floor(size.memoryMb * 1024 * 1024);
  return {
    // Readable in `docker ps`; the random suffix keeps names unique across restarts.
    name: `platform-${spec.app}-${spec.name}-${randomBytes(4).toString('hex')}`,
    Image: spec.artifact.image!,
    Cmd: ['bash', '-c', LAUNCH_SCRIPT, 'dyno', spec.command],
    Entrypoint: [],
    Env: dynoEnv(spec, settings.port),
    User: settings.user,
    WorkingDir: '/app',
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
      NetworkMode: settings.network,
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
}

/** True for a container this very platform instance started (its `platform.managed` label holds our id). */
export function isManaged(labels: Record<string, string> | undefined, instance: string): boolean {
  return labels?.[LABEL.managed] === instance;
}

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
    command: l[LABEL.command] ?? '',
    address: { host: facts.ip, port: Number(l[LABEL.port] ?? 0) },
    startedAt: facts.startedAt,
    running: facts.running,
  };
}

/** Docker reports a signal death as 128+n (tini passes it on): map it back like a child process exit. */
export function exitFromStatus(status: number | null): { code: number | null; signal: string | null } {
  if (status === null) return { code: null, signal: null };
  if (status > 128 && status < 128 + 32) {
    const name = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code: status, signal: null };
}
