import type Docker from 'dockerode';
import { ErrorCodes, PlatformError, type Dyno, type DynoSpec } from '@platform/types';
import { copyDyno, dynoFromSpec, runtimeClosedError, validateDynoSpec } from '@platform/runtime-kit';
import { dockerError } from '@platform/docker-kit';
import type { SwarmContext } from './swarm-context.ts';
import {
  LABEL,
  dynoTask,
  isFinishedTask,
  isRunningTask,
  neverStarted,
  overlayAddress,
  publishedPort,
  serviceSpec,
  type SwarmTask,
} from './service-spec.ts';
import { watchService } from './dyno-watch.ts';

/** How often start() looks at a new service's task, ms. */
const START_POLL_MS = 100;

/**
 * Creates a dyno's service and resolves once its task's container runs (or already ended: a crash is then
 * reported by the watch), with the dyno's address: its overlay IP and $PORT, or its node's address and the
 * port published there. Rejects with PLT_INVALID_PARAMS (spec, config) or PLT_RUNTIME_UNAVAILABLE (runtime
 * closed, no image, the task never started — image not in the registry, no node fits — or a Docker call
 * failed); a service that did not start is removed.
 */
export async function startDyno(ctx: SwarmContext, spec: DynoSpec): Promise<Dyno> {
  if (ctx.closed) throw runtimeClosedError('swarm');
  validateDynoSpec(spec, { image: true, runtime: 'swarm' });
  const network = await ctx.networks.forApp(spec.appId);
  const options = serviceSpec(spec, ctx.settings, network);
  let service: Docker.Service;
  try {
    service = await ctx.docker.createService(options);
  } catch (err) {
    throw dockerError(`create dyno service ${spec.name}`, err, { app: spec.app });
  }
  try {
    const task = await firstTask(ctx, service.id, spec);
    const host = await taskHost(ctx, task, network, options.Labels?.[LABEL.publish] === 'host');
    const dyno = dynoFromSpec(service.id, spec, host, new Date());
    watchService(ctx, dyno, true);
    ctx.logger?.info(
      { dyno: dyno.id, app: spec.app, name: spec.name, node: task.NodeID, address: dyno.address },
      'dyno started',
    );
    return copyDyno(dyno);
  } catch (err) {
    await service.remove().catch(() => undefined);
    throw err;
  }
}

/** Waits for the service's task to run (or end after running); throws when it never can. */
async function firstTask(ctx: SwarmContext, serviceId: string, spec: DynoSpec): Promise<SwarmTask> {
  const deadline = Date.now() + ctx.startTimeoutMs;
  let last: SwarmTask | undefined;
  for (;;) {
    let tasks: SwarmTask[];
    try {
      tasks = await ctx.poller.tasksOf([serviceId]);
    } catch (err) {
      throw dockerError(`list the tasks of dyno ${spec.name}`, err, { app: spec.app });
    }
    last = dynoTask(tasks);
    if (last && neverStarted(last)) throw notStarted(spec, last);
    if (last && (isRunningTask(last) || isFinishedTask(last))) return last;
    if (Date.now() > deadline) throw notStarted(spec, last);
    await new Promise((resolve) => setTimeout(resolve, START_POLL_MS));
  }
}

function notStarted(spec: DynoSpec, task: SwarmTask | undefined): PlatformError {
  const why = task?.Status?.Err || `its task is ${task?.Status?.State ?? 'not scheduled'}`;
  return new PlatformError(
    ErrorCodes.runtimeUnavailable,
    `Swarm did not start dyno ${spec.name} of ${spec.app}: ${why}.`,
    {
      details: { app: spec.app, image: spec.artifact.image, state: task?.Status?.State },
    },
  );
}

/** Where the router reaches a task: its node and published port, or its overlay address and $PORT. */
export async function taskHost(
  ctx: SwarmContext,
  task: SwarmTask | undefined,
  network: string,
  published: boolean,
): Promise<{ host: string; port: number }> {
  if (published) {
    const port = publishedPort(task, ctx.settings.port);
    return { host: task?.NodeID && port ? await ctx.nodeAddress(task.NodeID) : '', port };
  }
  return { host: overlayAddress(task, network), port: ctx.settings.port };
}
