import type { Command } from 'commander';
import type { App } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { flagsOf, printJson, withApp } from '../shared.ts';

/** `/apps/{app}/collaborators` as the CLI reads it. */
export interface CollaboratorJson {
  user: { id: string; email: string };
  permissions: Array<{ name: string }>;
  role: string;
}

export function register(program: Command, ctx: Context): void {
  withApp(program.command('access').description("list who has access to the app: its owner and collaborators"))
    .option('--json', 'output as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = flagsOf<{ json?: boolean }>(cmd);
      const api = await ctx.api(flags);
      const name = await ctx.app(flags);
      const [app, collaborators] = await Promise.all([api.get<App>(appPath(name)), api.get<CollaboratorJson[]>(appPath(name, '/collaborators'))]);
      if (flags.json) return printJson(ctx.out, collaborators);
      const rows = [[app.owner?.email ?? '', 'owner'], ...collaborators.map((c) => [c.user.email, c.permissions.map((p) => p.name).join(', ')])];
      const width = Math.max(...rows.map((r) => r[0]!.length));
      ctx.out(`=== ${ctx.style.app(name)} Access List`, ...rows.map(([email, what]) => `${email!.padEnd(width)}  ${what}`));
    });
}
