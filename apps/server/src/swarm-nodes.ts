import type { FastifyInstance } from 'fastify';
import { PlatformError } from '@platform/types';
import { listSwarmNodes } from '@platform/runtime-swarm';
import { access } from './api/access.ts';
import type { RuntimeDecision } from './runtime-choice.ts';

/**
 * `GET /admin/nodes` (admins only): the swarm's nodes — id, hostname, role, state, availability, address and
 * the number of this platform's running dynos on each (`platform nodes`). A server not on a swarm answers a
 * clear 400.
 */
export function registerNodesRoute(app: FastifyInstance, decision: RuntimeDecision, instance: string): void {
  app.get('/admin/nodes', access('admin'), async (request) => {
    if (!request.user.isAdmin) throw new PlatformError('PLT_FORBIDDEN', 'Only an admin can list nodes.');
    if (decision.kind !== 'swarm') {
      throw new PlatformError(
        'PLT_BAD_REQUEST',
        `This server uses the ${decision.kind} runtime, on one machine: nodes exist only with PLATFORM_RUNTIME=swarm.`,
      );
    }
    return listSwarmNodes(decision.docker, instance);
  });
}
