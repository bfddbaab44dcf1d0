import type { Dyno, DynoSpec } from '@platform/types';
import { dynoEnvironment } from './dyno-env.ts';
import { signalName } from './dyno-record.ts';
import { IMAGE_APP_DIR, IMAGE_LAUNCH_SCRIPT, launchArgv } from './launch.ts';

/**
 * Labels every container runtime (docker: on the container; swarm: on the service and its tasks) puts on a dyno:
 * `managed` holds the platform instance's id (so several platforms can share an engine), the rest rebuild the
 * Dyno after a platformd restart (adoption, `dynoFromLabels`).
 */
export const DYNO_LABEL = {
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

/** The labels of `spec`'s container or service: the spec's own, then the platform's (`DYNO_LABEL`), which win. */
export function dynoLabels(spec: DynoSpec, instance: string, port: number): Record<string, string> {
  return {
    ...spec.labels,
    [DYNO_LABEL.managed]: instance,
    [DYNO_LABEL.app]: spec.app,
    [DYNO_LABEL.appId]: spec.appId,
    [DYNO_LABEL.releaseId]: spec.releaseId,
    [DYNO_LABEL.releaseVersion]: String(spec.releaseVersion),
    [DYNO_LABEL.type]: spec.type,
    [DYNO_LABEL.dyno]: spec.name,
    [DYNO_LABEL.command]: spec.command,
    [DYNO_LABEL.port]: String(port),
  };
}

/**
 * The Dyno a container or service stands for, read back from its labels, at `host` and `port` (the port defaults to
 * the `platform.port` label: $PORT inside the dyno). Its command is the declared one, or, for a Dockerfile image
 * run by its own CMD (no declared command), `runs`: what the container runs, as the engine reports it (for `ps`).
 */
export function dynoFromLabels(
  labels: Record<string, string>,
  facts: { id: string; host: string; port?: number | undefined; running: boolean; startedAt: Date; runs?: string | undefined },
): Dyno {
  return {
    id: facts.id,
    app: labels[DYNO_LABEL.app] ?? '',
    appId: labels[DYNO_LABEL.appId] ?? '',
    releaseId: labels[DYNO_LABEL.releaseId] ?? '',
    releaseVersion: Number(labels[DYNO_LABEL.releaseVersion] ?? 0),
    type: labels[DYNO_LABEL.type] ?? '',
    name: labels[DYNO_LABEL.dyno] ?? '',
    command: labels[DYNO_LABEL.command] || facts.runs || '',
    address: { host: facts.host, port: facts.port ?? Number(labels[DYNO_LABEL.port] ?? 0) },
    startedAt: facts.startedAt,
    running: facts.running,
  };
}

/**
 * A container dyno's environment as `KEY=value` strings: config + platform vars (`dynoEnvironment`), HOME=/app
 * for a slug's release image (a Dockerfile image keeps its own HOME: its app need not live in /app), and
 * TINI_KILL_PROCESS_GROUP so tini (PID 1) forwards signals to the whole process group. Image vars (PATH, LANG)
 * are merged by the engine.
 */
export function containerDynoEnv(spec: DynoSpec, port: number): string[] {
  const home = spec.artifact.kind === 'dockerfile' ? null : IMAGE_APP_DIR;
  const env = dynoEnvironment(spec.env, { dyno: spec.name, port, home, extra: { TINI_KILL_PROCESS_GROUP: '1' } });
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/**
 * How a container runs a dyno's command. `slug`: a slug's release image runs runtime-kit's launch script from
 * /app, in place of the image's entrypoint and command. `image`: an image built from the app's Dockerfile runs as
 * `docker run` would: its ENTRYPOINT and WORKDIR kept, a command as `/bin/sh -c <command>` in place of its CMD,
 * no command (`''`, `cmd: null`) its own CMD.
 */
export type ContainerLaunch = { kind: 'slug'; argv: string[]; workingDir: string } | { kind: 'image'; cmd: string[] | null };

/** See `ContainerLaunch`. */
export function containerLaunch(spec: Pick<DynoSpec, 'artifact' | 'command'>): ContainerLaunch {
  if (spec.artifact.kind === 'dockerfile') return { kind: 'image', cmd: spec.command === '' ? null : ['/bin/sh', '-c', spec.command] };
  return { kind: 'slug', argv: launchArgv(spec.command, IMAGE_LAUNCH_SCRIPT), workingDir: IMAGE_APP_DIR };
}

/**
 * `containerLaunch` in the Docker Engine API's container-create terms (`POST /containers/create`): a slug's
 * launch replaces the image's entrypoint (`Entrypoint: []`), an image's own keeps it; no `Cmd` keeps the image's.
 */
export function containerCreateLaunch(spec: Pick<DynoSpec, 'artifact' | 'command'>): { Cmd?: string[]; Entrypoint?: string[]; WorkingDir?: string } {
  const launch = containerLaunch(spec);
  if (launch.kind === 'image') return launch.cmd ? { Cmd: launch.cmd } : {};
  return { Cmd: launch.argv, Entrypoint: [], WorkingDir: launch.workingDir };
}

/**
 * A container's exit status as a child process's exit: the engine reports a signal death as 128+n (tini passes
 * it on), mapped back to the signal's name; null (still running, unknown) gives neither.
 */
export function containerExit(status: number | null | undefined): { code: number | null; signal: string | null } {
  if (typeof status !== 'number') return { code: null, signal: null };
  if (status > 128 && status < 128 + 32) {
    const name = signalName(status - 128);
    if (name) return { code: null, signal: name };
  }
  return { code: status, signal: null };
}
