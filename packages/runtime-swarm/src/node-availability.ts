import type Docker from 'dockerode';
import { PlatformError } from '@platform/types';
import { dockerError, dockerStatus } from '@platform/docker-kit';
import { LABEL, ONE_OFF_TYPES, type SwarmTask } from './service-spec.ts';

/** Swarm's node availability: `active` (takes tasks), `pause` (keeps its tasks, takes no new ones), `drain`. */
export type NodeAvailability = 'active' | 'pause' | 'drain';

/** A formation dyno running on one node: the service (the dyno's id in the runtime) and what the manager knows it by. */
export interface DynoOnNode {
  id: string;
  appId: string;
  app: string;
  name: string;
  type: string;
}

interface NodeRecord {
  ID: string;
  Version?: { Index?: number };
  Description?: { Hostname?: string };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
}

/** Swarm node ids are 25 lower-case base-36 characters; a hostname is RFC 1123. Anything else is refused. */
const NODE_REF = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

/**
 * The node `ref` names: its id, a unique prefix of its id (at least 6 characters, as `docker node` accepts), or its
 * unique hostname. Throws PLT_INVALID_PARAMS for a malformed ref, PLT_NOT_FOUND when no node matches, PLT_CONFLICT
 * when several do, PLT_RUNTIME_UNAVAILABLE when the manager cannot list.
 *
 *   await findSwarmNode(docker, 'platform-swarm-worker') → 'm841f5n3v7hdgpwoxhu72v95o'
 */
export async function findSwarmNode(docker: Docker, ref: string): Promise<string> {
  if (!NODE_REF.test(ref)) throw new PlatformError('PLT_INVALID_PARAMS', `Invalid node name: ${JSON.stringify(ref)}.`);
  let nodes: NodeRecord[];
  try {
    nodes = (await docker.listNodes()) as NodeRecord[];
  } catch (err) {
    throw dockerError('list swarm nodes', err);
  }
  const exact = nodes.filter((n) => n.ID === ref);
  const matches =
    exact.length > 0
      ? exact
      : nodes.filter((n) => n.Description?.Hostname === ref || (ref.length >= 6 && n.ID.startsWith(ref)));
  if (matches.length === 0) throw new PlatformError('PLT_NOT_FOUND', `Couldn't find node ${ref}.`);
  if (matches.length > 1)
    throw new PlatformError(
      'PLT_CONFLICT',
      `${matches.length} nodes match ${ref} (${matches.map((n) => n.ID).join(', ')}): name one by its id.`,
    );
  return matches[0]!.ID;
}

/**
 * Sets a node's availability (Swarm's `docker node update --availability`), keeping the rest of its spec. Swarm
 * refuses an update made against a stale version; that is retried with the fresh one (a few times).
 * Throws PLT_RUNTIME_UNAVAILABLE when the manager refuses otherwise.
 */
export async function setNodeAvailability(
  docker: Docker,
  nodeId: string,
  availability: NodeAvailability,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const node = docker.getNode(nodeId);
      const info = (await node.inspect()) as NodeRecord;
      if (info.Spec?.Availability === availability) return;
      // The version goes in the query, the spec in the body (docker-modem's _query/_body, as stop-dyno.ts does).
      await node.update({ _query: { version: info.Version?.Index }, _body: { ...info.Spec, Availability: availability } });
      return;
    } catch (err) {
      const outOfSequence = /out of sequence/i.test(String((err as Error)?.message));
      if (attempt < 5 && (outOfSequence || dockerStatus(err) === 409)) continue;
      throw dockerError(`set node ${nodeId} ${availability}`, err, { nodeId });
    }
  }
}

/**
 * This platform instance's formation dynos whose task runs (or is about to) on `nodeId`: what a drain must move.
 * One-off and release dynos (Swarm jobs) are not listed: they end with the node's drain.
 */
export async function dynosOnNode(docker: Docker, instance: string, nodeId: string): Promise<DynoOnNode[]> {
  try {
    const services = await docker.listServices({ filters: { label: [`${LABEL.managed}=${instance}`] } });
    const formation = services.filter((s) => !ONE_OFF_TYPES.has(s.Spec?.Labels?.[LABEL.type] ?? ''));
    if (formation.length === 0) return [];
    const tasks = (await docker.listTasks({
      filters: { service: formation.map((s) => s.ID), node: [nodeId], 'desired-state': ['running'] },
    })) as SwarmTask[];
    const here = new Set(tasks.filter((t) => t.NodeID === nodeId).map((t) => t.ServiceID));
    return formation
      .filter((s) => here.has(s.ID))
      .map((s) => {
        const l = s.Spec?.Labels ?? {};
        return {
          id: s.ID,
          appId: l[LABEL.appId] ?? '',
          app: l[LABEL.app] ?? '',
          name: l[LABEL.dyno] ?? '',
          type: l[LABEL.type] ?? '',
        };
      });
  } catch (err) {
    throw dockerError('list the dynos of a node', err, { nodeId });
  }
}
