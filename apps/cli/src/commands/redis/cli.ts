import { CommanderError, type Command } from 'commander';
import type { AddonAttachment } from '../../api-types.ts';
import { appPath, type Context } from '../../context.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';
import { redisCliCommand } from '../../format/redis.ts';
import { attachToDyno, type RunDyno } from '../../run-client.ts';
import { flagsOf, withApp } from '../shared.ts';

/**
 * `platform redis:cli [DATABASE]`: redis-cli on one of the app's Redis add-ons (default `REDIS`), in a one-off
 * dyno of the app — the add-on's server answers only the app's dynos — reading the URL from the dyno's own
 * config var, so the password crosses neither this machine nor any argv. Without a terminal, commands are read
 * from stdin (`echo 'GET hits' | platform redis:cli`).
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('redis:cli').description('open redis-cli on a Redis add-on, in a one-off dyno'))
    .argument('[database]', 'add-on name or attachment name', 'REDIS')
    .option('--no-tty', 'do not allocate a terminal, even when this one is')
    .action(async (name: string, _opts, cmd: Command) => {
      const flags = flagsOf<{ tty: boolean }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const attachments = await api.get<AddonAttachment[]>(appPath(app, '/addon-attachments'));
      const wanted = name.toUpperCase().replace(/_URL$/, '');
      const attachment = attachments.find((a) => a.name === wanted) ?? attachments.find((a) => a.addon.name === name);
      if (!attachment) throw cliError(CliErrorCodes.badArgs, `${app} has no add-on attached as ${name}.`, 'See them with: platform addons');
      const addon = await api.get<{ addon_service: { name: string } }>(`/addons/${encodeURIComponent(attachment.addon.id)}`);
      if (addon.addon_service.name !== 'redis') throw cliError(CliErrorCodes.badArgs, `${attachment.addon.name} is not a Redis add-on.`, 'See them with: platform redis:info');
      const tty = flags.tty !== false && Boolean(ctx.io.stdin.isTTY) && Boolean(ctx.io.stdout.isTTY);
      ctx.io.stderr.write(`Connecting to ${attachment.addon.name} (${attachment.name}_URL)... `);
      const dyno = await api.post<RunDyno>(appPath(app, '/dynos'), {
        command: redisCliCommand(`${attachment.name}_URL`),
        attach: true,
        force_no_tty: !tty,
        env: { TERM: ctx.io.env.TERM || 'xterm-256color' },
        type: 'run',
      });
      ctx.io.stderr.write(`up, ${dyno.name}\n`);
      if (!dyno.attach_url) throw cliError(CliErrorCodes.api, 'The server did not return an attach URL.');
      const code = await attachToDyno(ctx.io, dyno.attach_url, tty);
      if (code !== 0) throw new CommanderError(code, 'platform.redis.cli.exit', '');
    });
}
