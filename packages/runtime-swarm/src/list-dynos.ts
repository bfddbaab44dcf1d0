import type Docker from 'dockerode';
import type { Dyno } from '@platform/types';
import { dockerError } from '@platform/docker-kit';
import type { SwarmContext } from './swarm-context.ts';
import { LABEL, dynoFromService, dynoTask, isFinishedTask, type SwarmTask } from './service-spec.ts';
import { taskHost } from './start-dyno.ts';
import { watchService } from './dyno-watch.ts';
import { listAttachedDynos } from './attached-dyno.ts';

/** The Dyno a service stands for now: labels, its task's state and address. */
export async function dynoOfService(
  ctx: SwarmContext,
  service: Docker.Service,
  task: SwarmTask | undefined,
): Promise<Dyno> {
  const spec = service.Spec!;
  const network = (spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.Networks?.[0]?.Target ?? '';
  const address = await taskHost(ctx, task, network, spec.Labels?.[LABEL.publish] === 'host');
  const startedAt = new Date(task?.CreatedAt ?? service.CreatedAt ?? Date.now());
  return dynoFromService(
    service,
    address.host,
    address.port,
    task === undefined || !isFinishedTask(task),
    startedAt,
  );
}

/**
 * Every dyno of this platform instance (optionally of one app): its services, with their task's state
 * (exited ones `running: false` until stop() removes them), and its attached one-offs. Adoption: a service the
 * runtime does not follow yet (started before a restart) is followed from here on — new output and its exit.
 * Rejects with PLT_RUNTIME_UNAVAILABLE when the manager cannot list.
 */
export async function listDynos(ctx: SwarmContext, filter: { app?: string | undefined }): Promise<Dyno[]> {
  const labels = [
    `${LABEL.managed}=${ctx.settings.instance}`,
    ...(filter.app !== undefined ? [`${LABEL.app}=${filter.app}`] : []),
  ];
  let services: Docker.Service[];
  let tasks: SwarmTask[];
  try {
    services = await ctx.docker.listServices({ filters: { label: labels } });
    tasks = await ctx.poller.tasksOf(services.map((s) => s.ID));
  } catch (err) {
    throw dockerError('list dynos', err);
  }
  const dynos: Dyno[] = [];
  for (const service of services) {
    const dyno = await dynoOfService(ctx, service, dynoTask(tasks.filter((t) => t.ServiceID === service.ID)));
    const known = ctx.watches.get(service.ID);
    if (known) {
      dyno.running = known.dyno.running && dyno.running;
      if (!dyno.address.host) dyno.address = { ...known.dyno.address };
    } else if (!ctx.closed) {
      watchService(ctx, { ...dyno, address: { ...dyno.address } }, false);
    }
    dynos.push(dyno);
  }
  return [...dynos, ...(await listAttachedDynos(ctx, labels))];
}
