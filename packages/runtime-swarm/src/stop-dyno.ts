import type Docker from 'dockerode';
import type { StopOptions } from '@platform/types';
import { dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { LOG_DRAIN_MS, within, type SwarmContext } from './swarm-context.ts';
import { dynoTask, isFinishedTask } from './service-spec.ts';
import { stopAttachedContainer } from './attached-dyno.ts';
import { dynoOfService } from './list-dynos.ts';
import { watchService } from './dyno-watch.ts';

/** After the grace period, how long to wait for Swarm's SIGKILL and the task's final state, ms. */
const KILL_WAIT_MS = 15_000;
/** The placement no node satisfies: a stopped dyno's replacement task stays pending, never runs. */
export const STOPPED_CONSTRAINT = 'node.labels.platform-stopped==true';

/**
 * Stops and removes one of this platform's dynos. A service: Swarm has no call that signals a task, so the
 * service is updated to a placement no node satisfies; Swarm then shuts its task down (the service's stop
 * signal, SIGTERM, then SIGKILL after its `StopGracePeriod`, which is fixed at create: `options.graceMs` cannot
 * change it) and keeps the task, with its exit code, in the history; the replacement stays pending. Then the
 * service is removed. A job (one-off) is removed at once: Swarm shuts it down the same way but deletes the task,
 * so its exit code is unknown (reported as null). An attached one-off (a container) is signalled directly. An
 * exited dyno is only removed; an unknown id or another instance's dyno resolves without a change. Rejects with
 * PLT_RUNTIME_UNAVAILABLE when a Docker call fails for another reason than "gone".
 */
export async function stopDyno(ctx: SwarmContext, id: string, options: StopOptions): Promise<void> {
  let info: Docker.Service;
  try {
    info = (await ctx.docker.getService(id).inspect()) as Docker.Service;
  } catch (err) {
    if (isNotFound(err)) return stopAttachedContainer(ctx, id, options);
    throw dockerError('inspect dyno service', err, { id });
  }
  if (info.Spec?.Labels?.['platform.managed'] !== ctx.settings.instance) return;
  const tasks = await ctx.poller.tasksOf([info.ID]).catch((err: unknown) => {
    throw dockerError('list dyno tasks', err, { id });
  });
  const task = dynoTask(tasks);
  const entry =
    ctx.watches.get(info.ID) ??
    (ctx.closed ? undefined : watchService(ctx, await dynoOfService(ctx, info, task), false));
  const grace =
    Math.ceil(
      (info.Spec?.TaskTemplate as { ContainerSpec?: { StopGracePeriod?: number } } | undefined)?.ContainerSpec
        ?.StopGracePeriod ?? 0,
    ) / 1e6;
  const job = Boolean(info.Spec?.Mode?.ReplicatedJob);
  const running = task !== undefined && !isFinishedTask(task);
  if (running && entry) entry.requested = true;
  if (running && !job) {
    await shutDownTask(ctx, info);
    if (entry && !(await within(entry.reported, grace + KILL_WAIT_MS)))
      ctx.logger?.error({ dyno: id }, 'no exit reported after the grace period');
  } else if (!running && entry) {
    await within(entry.reported, LOG_DRAIN_MS * 3);
  }
  try {
    await ctx.docker.getService(info.ID).remove();
  } catch (err) {
    if (!isNotFound(err)) throw dockerError('remove dyno service', err, { id });
  }
  // A job's task ends only now; "gone" is once Swarm has deleted it.
  if (running && job && entry) await within(entry.reported, grace + KILL_WAIT_MS);
  forget(ctx, info.ID);
}

/** Shuts the service's task down through an update to a placement no node satisfies (see stopDyno). */
async function shutDownTask(ctx: SwarmContext, info: Docker.Service): Promise<void> {
  const spec = info.Spec!;
  const template = spec.TaskTemplate as Docker.ContainerTaskSpec;
  const constraints = template.Placement?.Constraints ?? [];
  if (constraints.includes(STOPPED_CONSTRAINT)) return;
  const body: Docker.ServiceSpec = {
    ...spec,
    TaskTemplate: {
      ...template,
      Placement: { ...template.Placement, Constraints: [...constraints, STOPPED_CONSTRAINT] },
    },
  };
  try {
    await ctx.docker
      .getService(info.ID)
      .update({ _query: { version: info.Version?.Index }, _body: body } as unknown as Docker.ServiceSpec);
  } catch (err) {
    if (isNotFound(err)) return;
    // 409/500 "update out of sequence": someone changed it meanwhile; removal below still ends it.
    ctx.logger?.warn(
      { err, dyno: info.ID, status: dockerStatus(err) },
      'stopping a dyno service by update failed; removing it',
    );
  }
}

/** Detaches and drops the watch of a dyno (if any). */
export function forget(ctx: SwarmContext, id: string): void {
  const entry = ctx.watches.get(id);
  if (entry) {
    entry.detach();
    ctx.watches.delete(id);
  }
}
