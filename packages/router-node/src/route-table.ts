import { Agent } from 'node:http';
import type { DynoAddress, RouteTarget } from '@platform/types';

/**
 * The router's table: each app's web dynos, and one keep-alive connection pool per dyno address. A new TCP
 * connection per request (Heroku's way) costs more than the proxying itself on a single host; 'lifo' keeps few
 * sockets warm. A dyno that leaves the table keeps its busy connections until their responses end (graceful
 * drain), its idle ones are closed at once.
 */
export function createRouteTable() {
  const routes = new Map<string, RouteTarget[]>();
  const agents = new Map<string, Agent>();
  /** Agents of dynos no longer routed to, kept until their in-flight requests end (or destroy()). */
  const retiring = new Set<Agent>();
  const keyOf = (address: DynoAddress) => `${address.host}|${address.port}`;

  function prune(): void {
    const live = new Set<string>();
    for (const targets of routes.values()) for (const t of targets) live.add(keyOf(t.address));
    for (const [key, agent] of agents) {
      if (live.has(key)) continue;
      // With keepAlive off, each busy socket is closed as soon as its response ends.
      (agent as Agent & { keepAlive: boolean }).keepAlive = false;
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
      agents.delete(key);
      retiring.add(agent);
    }
    for (const agent of retiring) {
      if (Object.keys(agent.sockets).length === 0 && Object.keys(agent.freeSockets).length === 0) retiring.delete(agent);
    }
  }

  return {
    /** The app's web dynos: undefined for an unknown app (404), `[]` for a known one with none up (503 H14). */
    get: (app: string): readonly RouteTarget[] | undefined => routes.get(app),
    set(app: string, targets: readonly RouteTarget[]): void {
      routes.set(app, targets.map((t) => ({ dyno: t.dyno, address: { host: t.address.host, port: t.address.port } })));
      prune();
    },
    remove(app: string): void {
      routes.delete(app);
      prune();
    },
    /** The keep-alive pool of one dyno address. */
    agentFor(address: DynoAddress): Agent {
      const key = keyOf(address);
      let agent = agents.get(key);
      if (!agent) {
        agent = new Agent({ keepAlive: true, scheduling: 'lifo', keepAliveMsecs: 1_000 });
        agents.set(key, agent);
      }
      return agent;
    },
    destroy(): void {
      for (const agent of agents.values()) agent.destroy();
      for (const agent of retiring) agent.destroy();
      agents.clear();
      retiring.clear();
    },
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;

/** Random choice among the dynos that have not failed for this request (Heroku balances randomly). */
export function pickTarget(targets: readonly RouteTarget[], failed: Set<RouteTarget> | null): RouteTarget {
  if (!failed || failed.size === 0) return targets[Math.floor(Math.random() * targets.length)]!;
  const candidates = targets.filter((t) => !failed.has(t));
  const pool = candidates.length > 0 ? candidates : targets;
  return pool[Math.floor(Math.random() * pool.length)]!;
}
