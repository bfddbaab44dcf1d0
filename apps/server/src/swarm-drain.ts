import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { PlatformError } from '@platform/types';
import { dynosOnNode, setNodeAvailability, type DynoOnNode, type NodeAvailability } from '@platform/runtime-swarm';

/** What a drain needs of the process manager: its health-gated replacement of one dyno. */
export interface DrainDeps {
  docker: Docker;
  instance: string;
  /** The process manager's `restart(appId, { name })`: start the new dyno, route it, unroute and stop the old. */
  restartDyno(appId: string, name: string): Promise<void>;
  logger?: Logger;
  /** How long to wait for replaced dynos to stop before Swarm's drain ends them (ms; default 120 000). */
  stopWaitMs?: number;
}

/** How long a drain waits for the replaced dynos to stop (SIGTERM → grace → SIGKILL) before Swarm's drain ends them. */
const STOP_WAIT_MS = 120_000;

/**
 * Sets a node's availability; `drain` moves this platform's dynos off it first, without a failed request:
 *
 * 1. the node goes to Swarm's `pause` (no new task is placed there; what runs there keeps running),
 * 2. each formation dyno on it is replaced the way a rolling deploy replaces it — a new dyno with the same name,
 *    placed by Swarm on another node, up and routed before the old one leaves the routes and gets SIGTERM
 *    (apps side by side, one dyno of an app at a time),
 * 3. the node goes to `drain`, where Swarm ends whatever is left (one-offs, other platforms' tasks).
 *
 * Swarm's own `docker node update --availability drain` would stop the dynos first (a task of a service without
 * restarts is shut down, not moved) and the process manager would restart them as crashed: requests fail
 * meanwhile. A dyno that cannot be replaced (its new one does not boot) stops the drain with that error and leaves
 * the node paused. `active` and `pause` are set as they are.
 */
export async function setAvailability(deps: DrainDeps, nodeId: string, availability: NodeAvailability): Promise<void> {
  if (availability !== 'drain') return setNodeAvailability(deps.docker, nodeId, availability);
  await setNodeAvailability(deps.docker, nodeId, 'pause');
  // Each dyno is replaced once; a replaced one is retired in the background (out of the routes, SIGTERM, grace),
  // so it stays listed on the node a while. Dynos started there meanwhile (a deploy's) are replaced too.
  const replaced = new Set<string>();
  const deadline = Date.now() + (deps.stopWaitMs ?? STOP_WAIT_MS);
  let left = await dynosOnNode(deps.docker, deps.instance, nodeId);
  while (left.length > 0 && Date.now() < deadline) {
    const fresh = left.filter((d) => !replaced.has(d.id));
    if (fresh.length > 0) {
      deps.logger?.info({ node: nodeId, dynos: fresh.map((d) => `${d.app}/${d.name}`) }, 'moving dynos off a draining node');
      await moveDynos(deps, fresh);
      for (const d of fresh) replaced.add(d.id);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    left = await dynosOnNode(deps.docker, deps.instance, nodeId);
  }
  if (left.length > 0) {
    deps.logger?.warn({ node: nodeId, dynos: left.map((d) => `${d.app}/${d.name}`) }, 'dynos still on the node; Swarm ends them now');
  }
  await setNodeAvailability(deps.docker, nodeId, 'drain');
}

async function moveDynos(deps: DrainDeps, dynos: DynoOnNode[]): Promise<void> {
  const byApp = new Map<string, DynoOnNode[]>();
  for (const d of dynos) byApp.set(d.appId, [...(byApp.get(d.appId) ?? []), d]);
  const failures: unknown[] = [];
  await Promise.all(
    [...byApp].map(async ([appId, own]) => {
      for (const d of own.sort((a, b) => a.name.localeCompare(b.name))) {
        try {
          await deps.restartDyno(appId, d.name);
        } catch (err) {
          failures.push(err);
          return;
        }
      }
    }),
  );
  if (failures.length > 0) {
    const first = failures[0] as Error;
    throw new PlatformError('PLT_CONFLICT', `The node stays paused: a dyno could not be moved off it (${first.message}).`, { cause: first });
  }
}
