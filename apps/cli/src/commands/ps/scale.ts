import type { Command } from 'commander';
import type { Formation } from '../../api-types.ts';
import { parseScaleArgs } from '../../args.ts';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { formatFormation, formatScaled } from '../../format/ps.ts';
import { flagsOf, withApp } from '../shared.ts';

export function register(program: Command, ctx: Context): void {
  withApp(
    program
      .command('ps:scale')
      .alias('scale')
      .description('scale dynos by process type (no arguments: show the formation)'),
  )
    .argument('[changes...]', 'TYPE=N, TYPE+N or TYPE-N, e.g. web=3 worker+1')
    .action(async (args: string[], _opts, cmd: Command) => {
      const updates = parseScaleArgs(args);
      const flags = flagsOf(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      if (updates.length === 0) {
        const formation = await api.get<Formation[]>(appPath(app, '/formation'));
        if (formation.length === 0) {
          throw cliError(
            CliErrorCodes.badArgs,
            `No process types on ${ctx.style.app(app)}.`,
            'Upload a Procfile to add process types.',
          );
        }
        ctx.out(formatFormation(formation));
        return;
      }
      const types = new Set(updates.map((u) => u.type));
      await ctx.action(
        'Scaling dynos',
        () => api.patch<Formation[]>(appPath(app, '/formation'), { updates }),
        (formation) => `now running ${formatScaled(formation.filter((f) => types.has(f.type)))}`,
      );
    });
}
