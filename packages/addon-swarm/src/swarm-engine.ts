import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { demuxBuffer, dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { SecretRef } from './objects.ts';

/** The Swarm node id of the engine platformd talks to (a manager). @throws PLT_RUNTIME_UNAVAILABLE when it is in no swarm */
export async function localNodeId(docker: Docker): Promise<string> {
  let info: { Swarm?: { NodeID?: string } };
  try {
    info = (await docker.info()) as typeof info;
  } catch (err) {
    throw dockerError('read the engine info', err);
  }
  const id = info.Swarm?.NodeID ?? '';
  if (!id) throw new PlatformError(ErrorCodes.runtimeUnavailable, 'The Docker engine of the swarm add-ons is not a swarm node.');
  return id;
}

/**
 * Makes `image` (a name on the manager's engine) pullable by the nodes as `reference` (`<registry>/<image>`): tags
 * and pushes it. An image the manager has only under `reference` is taken as pushed already. A missing one is
 * PLT_ADDON_PROVISION_FAILED with `hint` (the command that builds it).
 */
export async function pushAddonImage(docker: Docker, image: string, reference: string, hint: string): Promise<void> {
  const has = (name: string) => docker.getImage(name).inspect().then(() => true, () => false);
  if (!(await has(image))) {
    if (reference !== image && (await has(reference))) return;
    throw new PlatformError(ErrorCodes.addonProvisionFailed, `The add-on image ${image} is missing on the swarm manager: ${hint}, then load it there (docker save | docker load).`);
  }
  if (reference === image) return;
  const at = reference.lastIndexOf(':');
  const [repo, tag] = at > reference.lastIndexOf('/') ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, 'latest'];
  const registry = reference.split('/')[0] ?? '';
  try {
    await docker.getImage(image).tag({ repo, tag });
    const stream = (await docker.getImage(reference).push({ authconfig: { serveraddress: registry } })) as NodeJS.ReadableStream;
    const events: Array<{ error?: string }> = await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => (err ? reject(err) : resolve(out))),
    );
    const failed = events.find((e) => e.error);
    if (failed) throw new Error(failed.error);
  } catch (err) {
    throw dockerError(`push ${image} to ${registry}`, err);
  }
}

/** Creates the Swarm secret `name` holding `data` (its labels as given), or takes the one of that name. */
export async function ensureSecret(docker: Docker, name: string, data: string, labels: Record<string, string>): Promise<SecretRef> {
  try {
    const created = (await docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(data, 'utf8').toString('base64') })) as { id?: string; ID?: string };
    return { id: created.id ?? created.ID ?? '', name };
  } catch (err) {
    if (dockerStatus(err) !== 409) throw dockerError(`create secret ${name}`, err);
  }
  try {
    const existing = (await docker.getSecret(name).inspect()) as { ID: string };
    return { id: existing.ID, name };
  } catch (err) {
    throw dockerError(`inspect secret ${name}`, err);
  }
}

/** The service named `name`, or null when there is none. */
export async function inspectService(docker: Docker, name: string): Promise<Docker.Service & { Spec?: Docker.ServiceSpec; Version?: { Index?: number } } | null> {
  try {
    return (await docker.getService(name).inspect()) as Docker.Service;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw dockerError(`inspect service ${name}`, err);
  }
}

interface Task {
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string } };
}

/** Where the service's current task stands: its container on this engine when it runs, else the latest error. */
export interface TaskState {
  /** The running task's container id on the manager's engine; '' while none runs. */
  containerId: string;
  /** The newest task's state and what Swarm says went wrong ('' when nothing did). */
  state: string;
  error: string;
}

/** The service's newest task: its running container's id, else its state and error. */
export async function currentTask(docker: Docker, service: string): Promise<TaskState> {
  let tasks: Task[];
  try {
    tasks = (await docker.listTasks({ filters: { service: [service] } })) as Task[];
  } catch (err) {
    if (isNotFound(err)) return { containerId: '', state: 'missing', error: '' };
    throw dockerError(`list the tasks of ${service}`, err);
  }
  const running = tasks.find((t) => t.Status?.State === 'running' && t.DesiredState === 'running');
  if (running) return { containerId: running.Status?.ContainerStatus?.ContainerID ?? '', state: 'running', error: '' };
  const newest = tasks.sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)))[0];
  const failed = tasks.find((t) => t.Status?.Err);
  return { containerId: '', state: newest?.Status?.State ?? 'none', error: failed?.Status?.Err ?? '' };
}

/**
 * Removes the service (its task's container is stopped: sessions end), then its volume once Swarm has removed that
 * container (the engine refuses a volume in use: retried up to ~30 s), then the secret. What is gone already is fine.
 */
export async function removeServiceObjects(docker: Docker, names: { service: string; volume: string; secret: string }): Promise<void> {
  await docker
    .getService(names.service)
    .remove()
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw dockerError(`remove service ${names.service}`, err);
    });
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.getVolume(names.volume).remove();
      break;
    } catch (err) {
      if (isNotFound(err)) break;
      if (dockerStatus(err) !== 409 || attempt >= 120) throw dockerError(`remove volume ${names.volume}`, err);
      await sleep(250);
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.getSecret(names.secret).remove();
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      // A secret is refused while a task that used it is still being removed.
      if (attempt >= 40) throw dockerError(`remove secret ${names.secret}`, err);
      await sleep(250);
    }
  }
}

/** A network's id (services name their networks by id once created). @throws PLT_RUNTIME_UNAVAILABLE */
export async function networkId(docker: Docker, network: string): Promise<string> {
  try {
    return ((await docker.getNetwork(network).inspect()) as { Id: string }).Id;
  } catch (err) {
    throw dockerError(`inspect network ${network}`, err);
  }
}

/**
 * Changes the overlays a service joins (`change` gets the network ids it joins now and returns the wanted ones).
 * Swarm replaces the task to apply it: the server restarts on its volume (a few seconds). Resolves false, and
 * changes nothing, when the set stays the same. @throws PLT_ADDON_NOT_FOUND when the service does not exist
 */
export async function updateServiceNetworks(docker: Docker, name: string, change: (ids: string[]) => string[]): Promise<boolean> {
  const service = await inspectService(docker, name);
  if (!service?.Spec) throw new PlatformError(ErrorCodes.addonNotFound, `The add-on service ${name} does not exist.`);
  const spec = service.Spec as Docker.ServiceSpec & { TaskTemplate: Docker.ContainerTaskSpec };
  const current = (spec.TaskTemplate.Networks ?? []).map((n) => n.Target ?? '');
  const wanted = [...new Set(change(current))];
  if (wanted.length === current.length && wanted.every((id) => current.includes(id))) return false;
  spec.TaskTemplate.Networks = wanted.map((id) => ({ Target: id }));
  try {
    await docker.getService(name).update({ ...spec, version: service.Version?.Index ?? 0 });
  } catch (err) {
    throw dockerError(`update the networks of ${name}`, err);
  }
  return true;
}

/** The service's last output lines (Swarm gathers them from the task's node), trimmed; '' when there are none. */
export async function serviceLogTail(docker: Docker, name: string, lines: number): Promise<string> {
  const raw = (await docker
    .getService(name)
    .logs({ stdout: true, stderr: true, tail: lines, follow: false })
    .catch(() => Buffer.alloc(0))) as unknown as Buffer;
  return Buffer.concat(demuxBuffer(raw).map((f) => f.payload)).toString('utf8').trim();
}
