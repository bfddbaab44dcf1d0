import { Command, CommanderError, Help } from 'commander';
import { createContext, type CliIO, type Context } from './context.ts';
import { hintOf } from './errors.ts';
import { register as registerLogin } from './commands/login.ts';
import { register as registerLogout } from './commands/logout.ts';
import { register as registerWhoami } from './commands/auth/whoami.ts';
import { register as registerApps } from './commands/apps/index.ts';
import { register as registerAppsCreate } from './commands/apps/create.ts';
import { register as registerAppsInfo } from './commands/apps/info.ts';
import { register as registerAppsDestroy } from './commands/apps/destroy.ts';
import { register as registerReleases } from './commands/releases/index.ts';
import { register as registerReleasesInfo } from './commands/releases/info.ts';
import { register as registerRollback } from './commands/rollback.ts';
import { register as registerOpen } from './commands/open.ts';
import { register as registerConfig } from './commands/config/index.ts';
import { register as registerConfigGet } from './commands/config/get.ts';
import { register as registerConfigSet } from './commands/config/set.ts';
import { register as registerConfigUnset } from './commands/config/unset.ts';
import { register as registerPs } from './commands/ps/index.ts';
import { register as registerPsScale } from './commands/ps/scale.ts';
import { register as registerPsRestart } from './commands/ps/restart.ts';
import { register as registerPsStop } from './commands/ps/stop.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerRunDetached } from './commands/run/detached.ts';
import { separateRunCommand } from './run-client.ts';
import { register as registerLogs } from './commands/logs.ts';
import { register as registerDrains } from './commands/drains/index.ts';
import { register as registerDrainsAdd } from './commands/drains/add.ts';
import { register as registerDrainsRemove } from './commands/drains/remove.ts';
import { register as registerBuildpacks } from './commands/buildpacks/index.ts';
import { register as registerBuildpacksSet } from './commands/buildpacks/set.ts';
import { register as registerBuildpacksAdd } from './commands/buildpacks/add.ts';
import { register as registerBuildpacksClear } from './commands/buildpacks/clear.ts';
import { register as registerImagesPrune } from './commands/images/prune.ts';
import { register as registerNodes } from './commands/nodes/index.ts';
import { register as registerNodesAvailability } from './commands/nodes/availability.ts';
import { register as registerMaintenance } from './commands/maintenance/index.ts';
import { register as registerFeatures } from './commands/features/index.ts';
import { register as registerFeaturesEnable } from './commands/features/enable.ts';
import { register as registerFeaturesDisable } from './commands/features/disable.ts';
import { register as registerCerts } from './commands/certs/index.ts';
import { register as registerCertsAdd } from './commands/certs/add.ts';
import { register as registerCertsInfo } from './commands/certs/info.ts';
import { register as registerCertsRemove } from './commands/certs/remove.ts';
import { register as registerCertsAuto } from './commands/certs/auto/index.ts';
import { register as registerCertsAutoEnable } from './commands/certs/auto/enable.ts';
import { register as registerCertsAutoDisable } from './commands/certs/auto/disable.ts';
import { register as registerCertsAutoRefresh } from './commands/certs/auto/refresh.ts';
import { register as registerAddons } from './commands/addons/index.ts';
import { register as registerAddonsCreate } from './commands/addons/create.ts';
import { register as registerAddonsInfo } from './commands/addons/info.ts';
import { register as registerAddonsDestroy } from './commands/addons/destroy.ts';
import { register as registerAddonsAttach } from './commands/addons/attach.ts';
import { register as registerAddonsDetach } from './commands/addons/detach.ts';
import { register as registerPgCredentialsRotate } from './commands/pg/credentials/rotate.ts';
import { register as registerPgInfo } from './commands/pg/info.ts';
import { pgBackupCommands } from './commands/pg/backups/all.ts';
import { register as registerPgPsql } from './commands/pg/psql.ts';
import { register as registerRedisCli } from './commands/redis/cli.ts';
import { register as registerRedisCredentials } from './commands/redis/credentials.ts';
import { register as registerRedisInfo } from './commands/redis/info.ts';
import { register as registerDomains } from './commands/domains/index.ts';
import { register as registerDomainsAdd } from './commands/domains/add.ts';
import { register as registerDomainsRemove } from './commands/domains/remove.ts';
import { register as registerDomainsWait } from './commands/domains/wait.ts';
import { register as registerMaintenanceOn } from './commands/maintenance/on.ts';
import { register as registerMaintenanceOff } from './commands/maintenance/off.ts';
import { register as registerAuthorizationsList } from './commands/authorizations/index.ts';
import { register as registerAuthorizationsCreate } from './commands/authorizations/create.ts';
import { register as registerAuthorizationsRevoke } from './commands/authorizations/revoke.ts';
import { register as registerUsers } from './commands/users/index.ts';
import { register as registerUsersCreate } from './commands/users/create.ts';
import { register as registerUsersDisable } from './commands/users/disable.ts';
import { register as registerUsersRemove } from './commands/users/remove.ts';
import { register as registerAccess } from './commands/access/index.ts';
import { register as registerAccessAdd } from './commands/access/add.ts';
import { register as registerAccessRemove } from './commands/access/remove.ts';
import { register as registerAccessUpdate } from './commands/access/update.ts';
import { register as registerAppsTransfer } from './commands/apps/transfer.ts';
import { register as registerAudit } from './commands/audit.ts';
import { register as registerAppsRename } from './commands/apps/rename.ts';
import { register as registerAuthPassword } from './commands/auth/password.ts';
import { VERSION } from './version.ts';

const commands = [
  registerLogin,
  registerLogout,
  registerWhoami,
  registerApps,
  registerAppsCreate,
  registerAppsInfo,
  registerAppsDestroy,
  registerReleases,
  registerReleasesInfo,
  registerRollback,
  registerOpen,
  registerConfig,
  registerConfigGet,
  registerConfigSet,
  registerConfigUnset,
  registerPs,
  registerPsScale,
  registerPsRestart,
  registerPsStop,
  registerRun,
  registerRunDetached,
  registerLogs,
  registerDrains,
  registerDrainsAdd,
  registerDrainsRemove,
  registerBuildpacks,
  registerBuildpacksSet,
  registerBuildpacksAdd,
  registerBuildpacksClear,
  registerImagesPrune,
  registerNodes,
  registerNodesAvailability,
  registerMaintenance,
  registerCerts,
  registerCertsAdd,
  registerCertsInfo,
  registerCertsRemove,
  registerCertsAuto,
  registerCertsAutoEnable,
  registerCertsAutoDisable,
  registerCertsAutoRefresh,
  registerAddons,
  registerAddonsCreate,
  registerAddonsInfo,
  registerAddonsDestroy,
  registerAddonsAttach,
  registerAddonsDetach,
  registerPgCredentialsRotate,
  registerPgInfo,
  ...pgBackupCommands,
  registerPgPsql,
  registerRedisInfo,
  registerRedisCli,
  registerRedisCredentials,
  registerDomains,
  registerDomainsAdd,
  registerDomainsRemove,
  registerDomainsWait,
  registerMaintenanceOn,
  registerMaintenanceOff,
  registerFeatures,
  registerFeaturesEnable,
  registerFeaturesDisable,
  registerAuthorizationsList,
  registerAuthorizationsCreate,
  registerAuthorizationsRevoke,
  registerUsers,
  registerUsersCreate,
  registerUsersDisable,
  registerUsersRemove,
  registerAccess,
  registerAccessAdd,
  registerAccessRemove,
  registerAccessUpdate,
  registerAppsTransfer,
  registerAudit,
  registerAppsRename,
  registerAuthPassword,
];

function prefixLines(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => ` ▸    ${l}\n`)
    .join('');
}

/**
 * The commands help lists, sorted by name in code-unit order. commander's own `sortSubcommands` sorts with
 * localeCompare, whose first call loads ICU's collator: about 15 ms of every `platform help`. Command names are
 * lower-case ASCII and `:`, which both orders sort alike.
 */
function sortedCommands(cmd: Command): Command[] {
  return new Help()
    .visibleCommands(cmd)
    .sort((a, b) => (a.name() < b.name() ? -1 : a.name() > b.name() ? 1 : 0));
}

/** The commander program with every command registered; settings are set first so subcommands inherit them. */
export function createProgram(ctx: Context): Command {
  const program = new Command('platform')
    .description('Command line interface of platform, a self-hosted Heroku-like PaaS.')
    .version(VERSION, '-v, --version', 'print the CLI version')
    .option('--server <url>', 'platform server URL (default: PLATFORM_SERVER, then the one saved by login)')
    .option('--debug', 'show stack traces and request details on errors')
    .configureHelp({ showGlobalOptions: true, visibleCommands: sortedCommands })
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
      outputError: (s, write) => write(prefixLines(s.replace(/^error: /, ''))),
    })
    .showHelpAfterError(' ▸    See more help with --help')
    .exitOverride();
  for (const register of commands) register(program, ctx);
  return program;
}

/** Prints an error the CLI way: ` ▸    message`, then what to do next; the stack only with --debug. */
export function printError(ctx: Context, err: unknown, debug: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  let text = prefixLines(message);
  const hint = hintOf(err);
  if (hint) text += prefixLines(hint);
  if (debug) {
    const e = err as { stack?: string; code?: unknown; details?: unknown; cause?: { stack?: string } };
    if (e.code !== undefined) text += `\ncode: ${String(e.code)}\n`;
    if (e.details !== undefined) text += `details: ${JSON.stringify(e.details)}\n`;
    if (e.stack) text += `\n${e.stack}\n`;
    if (e.cause?.stack) text += `\nCaused by: ${e.cause.stack}\n`;
  }
  ctx.io.stderr.write(text);
}

/** Runs the CLI with the given arguments (without `node platform`) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx = createContext(io);
  const end = argv.indexOf('--');
  const debug =
    (end === -1 ? argv : argv.slice(0, end)).includes('--debug') || Boolean(io.env.PLATFORM_DEBUG);
  const program = createProgram(ctx);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(separateRunCommand(argv), { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander already printed it
    printError(ctx, err, debug);
    return 1;
  }
}
