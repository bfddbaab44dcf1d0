import type Docker from 'dockerode';
import type { Dyno } from '@platform/types';
import { dockerError } from '@platform/docker-kit';
import { ATTACHED_LABEL, type DockerContext } from './docker-context.ts';
import { LABEL, containerIp, dynoFromContainer, type ContainerFacts } from './dyno-container.ts';
import { watchDyno } from './dyno-watch.ts';

/**
 * Every container of this platform instance (optionally of one app) as a Dyno, exited ones included
 * (`running: false`), ones being created or removed right now left out. Adoption: a container the runtime does
 * not watch yet (started by an earlier server, or another runtime over this engine) is watched from here on —
 * new output lines and its exit; an attached one-off's exit only (its output went to a caller that is gone).
 * Rejects with PLT_RUNTIME_UNAVAILABLE when the engine cannot list.
 */
export async function listDynos(ctx: DockerContext, filter: { app?: string | undefined }): Promise<Dyno[]> {
  const { instance } = ctx.settings;
  const labels = [`${LABEL.managed}=${instance}`, ...(filter.app !== undefined ? [`${LABEL.app}=${filter.app}`] : [])];
  let containers: Docker.ContainerInfo[];
  try {
    containers = await ctx.docker.listContainers({ all: true, filters: { label: labels } });
  } catch (err) {
    throw dockerError('list dynos', err);
  }
  const dynos: Dyno[] = [];
  for (const c of containers) {
    const known = ctx.watches.get(c.Id);
    const facts: ContainerFacts = {
      id: c.Id,
      labels: c.Labels ?? {},
      running: c.State === 'running' || c.State === 'paused' || c.State === 'restarting',
      ip: containerIp(c.NetworkSettings?.Networks) || known?.dyno.address.host || '',
      startedAt: known?.dyno.startedAt ?? new Date(c.Created * 1000),
      runs: c.Command,
    };
    if (c.State === 'created' || c.State === 'removing') continue; // being started or removed right now
    const dyno = dynoFromContainer(facts);
    if (known) dyno.running = known.dyno.running && facts.running;
    // Adoption: a dyno started by an earlier server (or another runtime instance) gets watched.
    // (An attached one-off's output went to its caller, whose connection died with the old server: not followed.)
    else if (!ctx.closed) {
      watchDyno(ctx, { ...dyno, address: { ...dyno.address } }, false, c.Labels?.[ATTACHED_LABEL] ? Promise.resolve() : undefined);
    }
    dynos.push(dyno);
  }
  return dynos;
}
