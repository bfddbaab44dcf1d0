import type Docker from 'dockerode';
import { dockerError } from '@platform/docker-kit';
import { LABEL, type SwarmTask } from './service-spec.ts';

/** One swarm node as `platform nodes` shows it. */
export interface SwarmNode {
  id: string;
  hostname: string;
  /** `manager` or `worker`. */
  role: string;
  /** Swarm's view: `ready`, `down`, `unknown`, `disconnected`. */
  state: string;
  /** `active`, `pause` or `drain` (a drained node's dynos are moved by the platform, not by Swarm). */
  availability: string;
  address: string;
  /** Running dynos of this platform instance on the node. */
  dynos: number;
}

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Role?: string; Availability?: string };
  Status?: { State?: string; Addr?: string };
}

/**
 * The swarm's nodes with their state and the number of this instance's running dynos on each (what the admin
 * command `platform nodes` will list). Rejects with PLT_RUNTIME_UNAVAILABLE when the manager cannot list.
 *
 *   await listSwarmNodes(docker, instance) → [{ id, hostname: 'node-1', role: 'manager', state: 'ready', dynos: 3, … }]
 */
export async function listSwarmNodes(docker: Docker, instance: string): Promise<SwarmNode[]> {
  try {
    const [nodes, services] = await Promise.all([
      docker.listNodes() as Promise<NodeInfo[]>,
      docker.listServices({ filters: { label: [`${LABEL.managed}=${instance}`] } }),
    ]);
    const ids = services.map((s) => s.ID);
    const tasks =
      ids.length > 0
        ? ((await docker.listTasks({
            filters: { service: ids, 'desired-state': ['running'] },
          })) as SwarmTask[])
        : [];
    const running = tasks.filter((t) => t.Status?.State === 'running');
    return nodes.map((node) => ({
      id: node.ID,
      hostname: node.Description?.Hostname ?? '',
      role: node.Spec?.Role ?? '',
      state: node.Status?.State ?? 'unknown',
      availability: node.Spec?.Availability ?? '',
      address: node.Status?.Addr ?? '',
      dynos: running.filter((t) => t.NodeID === node.ID).length,
    }));
  } catch (err) {
    throw dockerError('list swarm nodes', err);
  }
}
