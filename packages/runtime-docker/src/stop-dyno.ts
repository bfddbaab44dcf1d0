import type Docker from 'dockerode';
import type { StopOptions } from '@platform/types';
import { DEFAULT_STOP_GRACE_MS } from '@platform/runtime-kit';
import { dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { LOG_DRAIN_MS, type DockerContext } from './docker-context.ts';
import { dynoFromInspect, isManaged } from './dyno-container.ts';
import { watchDyno } from './dyno-watch.ts';

/** After SIGKILL, how long to wait for the engine to report the exit. */
const KILL_WAIT_MS = 10_000;

/**
 * Stops and removes one of this platform's containers: the signal (default SIGTERM; tini passes it to the whole
 * process group), up to `graceMs` (default 30 000) for the exit to be reported, then SIGKILL. An exited container
 * is only removed (its exit was reported already). A container another platform instance started is left alone;
 * an unknown id resolves. A container the runtime did not watch yet is watched first, so its exit is reported.
 * Rejects with PLT_RUNTIME_UNAVAILABLE when a Docker call fails for another reason than "gone".
 */
export async function stopContainer(ctx: DockerContext, id: string, stopOptions: StopOptions): Promise<void> {
  const { logger } = ctx;
  const container = ctx.docker.getContainer(id);
  let info: Docker.ContainerInspectInfo;
  try {
    info = await container.inspect();
  } catch (err) {
    if (isNotFound(err)) return forget(ctx, id);
    throw dockerError('inspect dyno', err, { id });
  }
  if (!isManaged(info.Config.Labels, ctx.settings.instance)) return; // never touch containers this platform did not start
  const entry = ctx.watches.get(info.Id) ?? (ctx.closed ? undefined : watchDyno(ctx, dynoFromInspect(info), false));
  const exited = entry ? entry.reported : container.wait().then(() => {});
  if (info.State.Running) {
    if (entry) entry.requested = true;
    await kill(container, stopOptions.signal ?? 'SIGTERM');
    if (!(await within(exited, stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS))) {
      logger?.warn({ dyno: id }, 'dyno did not exit within grace; SIGKILL');
      await kill(container, 'SIGKILL');
      if (!(await within(exited, KILL_WAIT_MS))) logger?.error({ dyno: id }, 'no exit reported after SIGKILL');
    }
  } else {
    await within(exited, LOG_DRAIN_MS);
  }
  try {
    await container.remove({ force: true, v: true });
  } catch (err) {
    // 404: already gone; 409: removal already in progress.
    if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError('remove dyno', err, { id });
  }
  forget(ctx, info.Id);
}

/** Detaches and drops the watch of a container (if any). */
export function forget(ctx: DockerContext, id: string): void {
  const entry = ctx.watches.get(id);
  if (entry) {
    entry.detach();
    ctx.watches.delete(id);
  }
}

async function kill(container: Docker.Container, signal: string): Promise<void> {
  try {
    await container.kill({ signal });
  } catch (err) {
    // 404 gone, 409 not running: both mean there is nothing left to signal.
    if (!isNotFound(err) && dockerStatus(err) !== 409) throw dockerError(`signal dyno (${signal})`, err);
  }
}

/** True when `promise` settles within `ms`, false after. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
