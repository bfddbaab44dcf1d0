import type { Command } from 'commander';
import type { Context } from '../../context.ts';
import { flagsOf } from '../shared.ts';

interface PruneResult {
  removed: string[];
  kept_releases_per_app: number;
  /** Swarm: what each other node removed (a Swarm job runs the same rule there). */
  removed_on_nodes?: Array<{ node: string; removed: string[] }>;
}

/** `platform images:prune` (admins, docker and swarm runtimes): removes release images beyond each app's last N releases. */
export function register(program: Command, ctx: Context): void {
  program
    .command('images:prune')
    .description("remove release images older than each app's last PLATFORM_IMAGES_TO_KEEP releases (admin, docker and swarm runtimes)")
    .option('--json', 'output as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const api = await ctx.api(flagsOf(cmd));
      const result = await api.post<PruneResult>('/admin/prune-images');
      if (opts.json) return ctx.out(JSON.stringify(result, null, 2));
      const n = result.removed.length;
      ctx.out(`Removed ${n} image${n === 1 ? '' : 's'}; kept each app's last ${result.kept_releases_per_app} releases and every image in use.`);
      for (const node of result.removed_on_nodes ?? []) ctx.out(`Node ${node.node}: removed ${node.removed.length} image reference${node.removed.length === 1 ? '' : 's'}.`);
    });
}
