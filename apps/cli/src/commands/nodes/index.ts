import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';

interface NodeRecord {
  id: string;
  hostname: string;
  role: string;
  state: string;
  availability: string;
  address: string;
  dynos: number;
}

/** `platform nodes` (admins, swarm runtime): the swarm's nodes with their state and dyno counts. */
export function register(program: Command, ctx: Context): void {
  program
    .command('nodes')
    .description('list the swarm nodes dynos run on, with their state and dyno counts (admin, swarm runtime)')
    .option('--json', 'output as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const api = await ctx.api(flagsOf(cmd));
      const nodes = await api.get<NodeRecord[]>('/admin/nodes');
      if (opts.json) return ctx.out(JSON.stringify(nodes, null, 2));
      ctx.out(`=== Nodes (${nodes.length})`);
      const rows = nodes.map((n) => [
        n.hostname || n.id.slice(0, 12),
        n.role,
        n.state,
        n.availability,
        n.address,
        `${n.dynos} dyno${n.dynos === 1 ? '' : 's'}`,
      ]);
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
      for (const row of rows)
        ctx.out(
          row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        );
    });
}
