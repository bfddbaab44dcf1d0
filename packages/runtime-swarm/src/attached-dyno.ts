import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import {
  isPlatformError,
  type AttachedDyno,
  type AttachOptions,
  type Dyno,
  type DynoSpec,
  type StopOptions,
} from '@platform/types';
import {
  DEFAULT_STOP_GRACE_MS,
  containerCreateLaunch,
  copyDyno,
  runtimeClosedError,
  signalName,
  validateDynoSpec,
} from '@platform/runtime-kit';
import { attachedStdio, dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { ATTACHED_LABEL, LOG_DRAIN_MS, within, type SwarmContext, type Watch } from './swarm-context.ts';
import { LABEL, dynoFromService, serviceSpec } from './service-spec.ts';

/**
 * Attached one-offs (`platform run`). Swarm services cannot be attached to (no stdin, no TTY, no exec from a
 * client), so an attached dyno is a plain container on the manager the platform talks to, on the app's
 * attachable overlay, made from the same service spec as every other dyno (image, launch, env, user, limits,
 * labels). Its output belongs to the caller; its exit is reported once that output has ended.
 */
export async function startAttachedDyno(
  ctx: SwarmContext,
  spec: DynoSpec,
  attach: AttachOptions,
): Promise<AttachedDyno> {
  if (ctx.closed) throw runtimeClosedError('swarm');
  validateDynoSpec(spec, { image: true, runtime: 'swarm' });
  const network = await ctx.networks.forApp(spec.appId);
  const service = serviceSpec(spec, ctx.settings, network);
  const task = service.TaskTemplate as Docker.ContainerTaskSpec;
  const c = task.ContainerSpec!;
  await ensureImage(ctx.docker, c.Image!);
  const options: Docker.ContainerCreateOptions = {
    name: `${service.Name}-${randomBytes(2).toString('hex')}`,
    Image: c.Image,
    ...containerCreateLaunch(spec),
    Env: c.Env,
    User: c.User,
    Labels: { ...service.Labels, [ATTACHED_LABEL]: attach.tty ? 'tty' : 'pipe' },
    Tty: attach.tty,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      NetworkMode: network,
      Init: true,
      Memory: task.Resources?.Limits?.MemoryBytes,
      PidsLimit: spec.size?.pids ?? ctx.settings.size.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
  };
  const { container, stdio } = await createAndStart(ctx, options, attach.tty, spec);
  const { stdin, stdout, stderr, ended } = stdio;
  try {
    const resize = async (cols: number, rows: number) => {
      if (!attach.tty) return;
      await container.resize({ w: cols, h: rows }).catch((err: unknown) => {
        if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError('resize dyno', err);
      });
    };
    await resize(attach.cols ?? 80, attach.rows ?? 24);
    const dyno = dynoOfContainer(await container.inspect(), true);
    watchContainer(ctx, dyno, ended);
    ctx.logger?.info(
      { dyno: dyno.id, app: spec.app, name: spec.name, tty: attach.tty },
      'attached dyno started',
    );
    return { dyno: copyDyno(dyno), stdin, stdout, stderr, resize };
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw isPlatformError(err)
      ? err
      : dockerError(`start attached dyno ${spec.name}`, err, { app: spec.app });
  }
}

/**
 * Creates, attaches and starts the container. A node drops its copy of an overlay when the last task on it
 * leaves, and a container started right then may fail with "network … not found" (seen in the sandbox): that start
 * is retried with a new container, a few times.
 */
async function createAndStart(
  ctx: SwarmContext,
  options: Docker.ContainerCreateOptions,
  tty: boolean,
  spec: DynoSpec,
) {
  for (let attempt = 1; ; attempt++) {
    let container: Docker.Container;
    try {
      container = await ctx.docker.createContainer({ ...options, name: `${options.name}-${attempt}` });
    } catch (err) {
      throw dockerError(`create attached dyno ${spec.name}`, err, { app: spec.app });
    }
    try {
      const hijacked = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as NodeJS.ReadWriteStream;
      const stdio = attachedStdio(hijacked, tty, ctx.docker.modem.demuxStream.bind(ctx.docker.modem));
      await container.start();
      return { container, stdio };
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      const networkGone =
        isNotFound(err) &&
        /network .* not found/.test(String((err as { json?: { message?: string } }).json?.message));
      if (!networkGone || attempt >= 5)
        throw dockerError(`start attached dyno ${spec.name}`, err, { app: spec.app });
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Pulls a release image onto the manager when it is not there yet (from the registry its reference names). */
async function ensureImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (err) {
    if (!isNotFound(err)) throw dockerError(`inspect image ${image}`, err);
  }
  try {
    const stream = (await docker.pull(image)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    throw dockerError(`pull image ${image}`, err, { image });
  }
}

function dynoOfContainer(info: Docker.ContainerInspectInfo, running = info.State.Running): Dyno {
  const ip = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress ?? '';
  const labels = info.Config.Labels ?? {};
  const fake = { ID: info.Id, Spec: { Labels: labels } } as unknown as Docker.Service;
  return dynoFromService(fake, ip, Number(labels[LABEL.port] ?? 0), running, new Date(info.State.StartedAt));
}

/** Waits for the container's exit, then (once `output` has ended, or after LOG_DRAIN_MS) reports it once. */
function watchContainer(ctx: SwarmContext, dyno: Dyno, output: Promise<void>): Watch {
  const abort = new AbortController();
  let reportDone!: () => void;
  const entry: Watch = {
    dyno,
    requested: false,
    reported: new Promise<void>((resolve) => (reportDone = resolve)),
    detach() {
      abort.abort();
      reportDone();
    },
  };
  ctx.watches.set(dyno.id, entry);
  void (async () => {
    const container = ctx.docker.getContainer(dyno.id);
    let status: number | null = null;
    try {
      const result = (await container.wait({ abortSignal: abort.signal })) as { StatusCode?: number };
      status = typeof result.StatusCode === 'number' ? result.StatusCode : null;
    } catch {
      if (abort.signal.aborted) return;
    }
    dyno.running = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([output, new Promise<void>((resolve) => (timer = setTimeout(resolve, LOG_DRAIN_MS)))]);
    clearTimeout(timer);
    if (abort.signal.aborted) return;
    const name = status !== null && status > 128 && status < 160 ? signalName(status - 128) : undefined;
    const exit = name ? { code: null, signal: name } : { code: status, signal: null };
    ctx.logger?.info({ dyno: dyno.id, app: dyno.app, name: dyno.name, ...exit }, 'attached dyno exited');
    ctx.events.exit({ id: dyno.id, app: dyno.app, name: dyno.name, ...exit, requested: entry.requested });
    reportDone();
  })();
  return entry;
}

/** This instance's attached one-offs on the manager (adopted ones are watched for their exit only). */
export async function listAttachedDynos(ctx: SwarmContext, labels: string[]): Promise<Dyno[]> {
  let containers: Docker.ContainerInfo[];
  try {
    containers = await ctx.docker.listContainers({
      all: true,
      filters: { label: [...labels, ATTACHED_LABEL] },
    });
  } catch (err) {
    throw dockerError('list attached dynos', err);
  }
  const dynos: Dyno[] = [];
  for (const c of containers) {
    if (c.State === 'created' || c.State === 'removing') continue;
    const known = ctx.watches.get(c.Id);
    const ip = Object.values(c.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress ?? '';
    const fake = { ID: c.Id, Spec: { Labels: c.Labels ?? {} } } as unknown as Docker.Service;
    const running = c.State === 'running' && (known?.dyno.running ?? true);
    const dyno = dynoFromService(
      fake,
      ip,
      Number(c.Labels?.[LABEL.port] ?? 0),
      running,
      known?.dyno.startedAt ?? new Date(c.Created * 1000),
    );
    if (!known && !ctx.closed)
      watchContainer(ctx, { ...dyno, address: { ...dyno.address } }, Promise.resolve());
    dynos.push(dyno);
  }
  return dynos;
}

/** stop() of an attached one-off: the signal, up to `graceMs`, SIGKILL, removal. Unknown ids resolve. */
export async function stopAttachedContainer(
  ctx: SwarmContext,
  id: string,
  options: StopOptions,
): Promise<void> {
  const container = ctx.docker.getContainer(id);
  let info: Docker.ContainerInspectInfo;
  try {
    info = await container.inspect();
  } catch (err) {
    if (isNotFound(err)) return;
    throw dockerError('inspect attached dyno', err, { id });
  }
  const labels = info.Config.Labels ?? {};
  if (labels[LABEL.managed] !== ctx.settings.instance || !labels[ATTACHED_LABEL]) return;
  const entry =
    ctx.watches.get(info.Id) ??
    (ctx.closed ? undefined : watchContainer(ctx, dynoOfContainer(info), Promise.resolve()));
  const exited = entry ? entry.reported : container.wait().then(() => undefined);
  if (info.State.Running) {
    if (entry) entry.requested = true;
    await kill(container, options.signal ?? 'SIGTERM');
    if (!(await within(exited, options.graceMs ?? DEFAULT_STOP_GRACE_MS))) {
      await kill(container, 'SIGKILL');
      await within(exited, 10_000);
    }
  } else {
    await within(exited, LOG_DRAIN_MS);
  }
  await container.remove({ force: true }).catch((err: unknown) => {
    if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError('remove attached dyno', err, { id });
  });
  const left = ctx.watches.get(info.Id);
  left?.detach();
  ctx.watches.delete(info.Id);
}

async function kill(container: Docker.Container, signal: string): Promise<void> {
  await container.kill({ signal }).catch((err: unknown) => {
    if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError(`signal dyno (${signal})`, err);
  });
}
