import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';

/**
 * `platform nodes:drain NODE`, `nodes:pause NODE` and `nodes:activate NODE` (admins, swarm runtime): Swarm's node
 * availability, by node id or hostname. A drain answers once the platform has moved its dynos off the node, each
 * new one up and routed before the old one stops (`PATCH /admin/nodes/{node}`).
 */
export function register(program: Command, ctx: Context): void {
  const commands = [
    ['drain', 'drain', 'Draining', 'move the platform’s dynos off a swarm node (each new one up first), then drain it'],
    ['pause', 'pause', 'Pausing', 'place no new dyno on a swarm node; what runs there keeps running'],
    ['activate', 'active', 'Activating', 'let a swarm node take dynos again'],
  ] as const;
  for (const [name, availability, verb, description] of commands) {
    program
      .command(`nodes:${name}`)
      .description(`${description} (admin, swarm runtime)`)
      .argument('<node>', 'node id or hostname, as `platform nodes` lists it')
      .action(async (node: string, _opts, cmd: Command) => {
        const api = await ctx.api(flagsOf(cmd));
        await ctx.action(`${verb} node ${node}`, () =>
          api.patch(`/admin/nodes/${encodeURIComponent(node)}`, { availability }),
        );
      });
  }
}
