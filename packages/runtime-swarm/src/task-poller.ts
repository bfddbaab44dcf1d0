import type Docker from 'dockerode';
import type { RuntimeLogger } from '@platform/runtime-kit';
import type { SwarmTask } from './service-spec.ts';

/** What a followed service hears on each tick. */
export type TaskListener = (tasks: SwarmTask[], downNodes: ReadonlyMap<string, string>) => void;

interface NodeState {
  ID: string;
  Description?: { Hostname?: string };
  Status?: { State?: string };
}

/** One loop that lists the tasks of every followed service and hands each service its own. */
export interface TaskPoller {
  /**
   * Calls `listener` with the service's tasks on every tick ([] once the service is gone) and the nodes Swarm
   * reports `down` (id → hostname); returns the unsubscribe.
   */
  follow(serviceId: string, listener: TaskListener): () => void;
  /** The tasks of some services, now. */
  tasksOf(serviceIds: string[]): Promise<SwarmTask[]>;
  stop(): void;
}

/**
 * Swarm reports a task's end only in the task itself (no event carries it across nodes), so the driver polls:
 * one `GET /tasks?filters={"service":[…]}` per tick for every followed service together, every `intervalMs`
 * while anything is followed, with the node list (a task on a node that went `down` never reports its end: the
 * node cannot). A failed list is logged and retried on the next tick.
 */
export function createTaskPoller(docker: Docker, intervalMs: number, logger?: RuntimeLogger): TaskPoller {
  const listeners = new Map<string, Set<TaskListener>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function tasksOf(serviceIds: string[]): Promise<SwarmTask[]> {
    if (serviceIds.length === 0) return [];
    return (await docker.listTasks({ filters: { service: serviceIds } })) as SwarmTask[];
  }

  async function tick(): Promise<void> {
    timer = undefined;
    const ids = [...listeners.keys()];
    if (ids.length === 0 || stopped) return;
    try {
      const [tasks, nodes] = await Promise.all([tasksOf(ids), docker.listNodes() as Promise<NodeState[]>]);
      const down = new Map(
        nodes.filter((n) => n.Status?.State === 'down').map((n) => [n.ID, n.Description?.Hostname || n.ID]),
      );
      for (const id of ids) {
        const own = tasks.filter((t) => t.ServiceID === id);
        for (const listener of [...(listeners.get(id) ?? [])]) listener(own, down);
      }
    } catch (err) {
      logger?.warn({ err }, 'listing swarm tasks failed');
    }
    schedule();
  }

  function schedule(): void {
    if (!timer && !stopped && listeners.size > 0) timer = setTimeout(() => void tick(), intervalMs);
  }

  return {
    follow(serviceId, listener) {
      let set = listeners.get(serviceId);
      if (!set) listeners.set(serviceId, (set = new Set()));
      set.add(listener);
      schedule();
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(serviceId) === set) listeners.delete(serviceId);
      };
    },
    tasksOf,
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
