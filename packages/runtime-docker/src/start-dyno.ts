import type Docker from 'dockerode';
import { ErrorCodes, PlatformError, isPlatformError, type AttachedDyno, type AttachOptions, type Dyno, type DynoSpec } from '@platform/types';
import { copyDyno, runtimeClosedError, validateDynoSpec } from '@platform/runtime-kit';
import { attachedStdio, dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { ATTACHED_LABEL, type DockerContext } from './docker-context.ts';
import { containerOptions, dynoFromInspect } from './dyno-container.ts';
import { watchDyno } from './dyno-watch.ts';

/**
 * Creates and starts a dyno's container from its release image, then watches it (output from the start, exit).
 * Rejects with PLT_INVALID_PARAMS (spec, config) or PLT_RUNTIME_UNAVAILABLE (runtime closed, no image in the
 * spec, image missing on this host, any Docker call failed; a half-created container is removed).
 */
export async function startDyno(ctx: DockerContext, spec: DynoSpec): Promise<Dyno> {
  if (ctx.closed) throw runtimeClosedError('docker');
  validateDynoSpec(spec, { image: true });
  const createOptions = containerOptions(spec, ctx.settings, await ctx.networks.forApp(spec.appId));
  let container: Docker.Container;
  try {
    container = await ctx.docker.createContainer(createOptions);
  } catch (err) {
    if (isNotFound(err)) {
      throw new PlatformError(
        ErrorCodes.runtimeUnavailable,
        `Image ${spec.artifact.image} is missing on this Docker host (rebuild the app).`,
        { cause: err, details: { app: spec.app, image: spec.artifact.image } },
      );
    }
    throw dockerError(`create dyno ${spec.name}`, err, { app: spec.app });
  }
  try {
    await container.start();
    const dyno = dynoFromInspect(await container.inspect(), true); // running: reported by wait() from here on
    watchDyno(ctx, dyno, true);
    ctx.logger?.info({ dyno: dyno.id, app: spec.app, name: spec.name, ip: dyno.address.host }, 'dyno started');
    return copyDyno(dyno);
  } catch (err) {
    await container.remove({ force: true }).catch(() => {});
    throw dockerError(`start dyno ${spec.name}`, err, { app: spec.app });
  }
}

/**
 * An attached one-off: the container is created with stdin open (and a TTY when asked), attached before it
 * starts so no output is lost, and its output is handed to the caller instead of the log stream. Its exit is
 * reported once that output has ended. Errors as `startDyno`.
 */
export async function startAttachedDyno(ctx: DockerContext, spec: DynoSpec, attach: AttachOptions): Promise<AttachedDyno> {
  if (ctx.closed) throw runtimeClosedError('docker');
  validateDynoSpec(spec, { image: true });
  const base = containerOptions(spec, ctx.settings, await ctx.networks.forApp(spec.appId));
  const createOptions: Docker.ContainerCreateOptions = {
    ...base,
    Labels: { ...base.Labels, [ATTACHED_LABEL]: attach.tty ? 'tty' : 'pipe' },
    Tty: attach.tty,
    OpenStdin: true,
    StdinOnce: true, // stdin closes when the attach stream half-closes (EOF)
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  };
  let container: Docker.Container;
  try {
    container = await ctx.docker.createContainer(createOptions);
  } catch (err) {
    throw dockerError(`create dyno ${spec.name}`, err, { app: spec.app });
  }
  try {
    const hijacked = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const { stdin, stdout, stderr, ended } = attachedStdio(hijacked, attach.tty, ctx.docker.modem.demuxStream.bind(ctx.docker.modem));
    await container.start();
    const resize = async (cols: number, rows: number) => {
      if (!attach.tty) return;
      await container.resize({ w: cols, h: rows }).catch((err: unknown) => {
        if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError('resize dyno', err);
      });
    };
    await resize(attach.cols ?? 80, attach.rows ?? 24);
    const dyno = dynoFromInspect(await container.inspect(), true);
    watchDyno(ctx, dyno, true, ended);
    ctx.logger?.info({ dyno: dyno.id, app: spec.app, name: spec.name, tty: attach.tty }, 'attached dyno started');
    return { dyno: copyDyno(dyno), stdin, stdout, stderr, resize };
  } catch (err) {
    await container.remove({ force: true }).catch(() => {});
    throw isPlatformError(err) ? err : dockerError(`start dyno ${spec.name}`, err, { app: spec.app });
  }
}
