import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ProcessManager } from '@platform/process-manager';
import { PlatformError } from '@platform/types';
import { findSwarmNode, listSwarmNodes, type NodeAvailability } from '@platform/runtime-swarm';
import { access } from './api/access.ts';
import type { RuntimeDecision } from './runtime-choice.ts';
import { setAvailability } from './swarm-drain.ts';

const AVAILABILITIES: readonly NodeAvailability[] = ['active', 'pause', 'drain'];

/** What the node routes use of the platform: the swarm, and the process manager's health-gated restart. */
export interface NodesRouteDeps {
  decision: RuntimeDecision;
  instance: string;
  manager: Pick<ProcessManager, 'restart'>;
  logger?: Logger;
}

/**
 * The swarm's nodes (admins only; a server not on a swarm answers a clear 400):
 *
 * - `GET /admin/nodes`: id, hostname, role, state, availability, address and the number of this platform's
 *   running dynos on each (`platform nodes`);
 * - `PATCH /admin/nodes/{id or hostname}` `{"availability": "active" | "pause" | "drain"}` (Swarm's terms;
 *   `platform nodes:drain`, `nodes:activate`): `drain` answers once this platform's dynos have moved off the node,
 *   health-gated (swarm-drain.ts), with the node as `GET` lists it. 422 for another value, 404 for no such node.
 */
export function registerNodesRoute(app: FastifyInstance, deps: NodesRouteDeps): void {
  const docker = () => {
    if (deps.decision.kind !== 'swarm') {
      throw new PlatformError(
        'PLT_BAD_REQUEST',
        `This server uses the ${deps.decision.kind} runtime, on one machine: nodes exist only with PLATFORM_RUNTIME=swarm.`,
      );
    }
    return deps.decision.docker;
  };
  app.get('/admin/nodes', access('admin'), async () => listSwarmNodes(docker(), deps.instance));
  app.patch<{ Params: { node: string } }>('/admin/nodes/:node', access('admin'), async (request) => {
    const client = docker();
    const availability = (request.body as { availability?: unknown } | null)?.availability;
    if (typeof availability !== 'string' || !AVAILABILITIES.includes(availability as NodeAvailability)) {
      throw new PlatformError('PLT_INVALID_PARAMS', `availability must be one of ${AVAILABILITIES.join(', ')}.`);
    }
    const id = await findSwarmNode(client, request.params.node);
    await setAvailability(
      {
        docker: client,
        instance: deps.instance,
        restartDyno: (appId, name) => deps.manager.restart(appId, { name }),
        logger: deps.logger,
      },
      id,
      availability as NodeAvailability,
    );
    const nodes = await listSwarmNodes(client, deps.instance);
    return nodes.find((n) => n.id === id);
  });
}
