import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { createAppUsers, detectSandbox, type UnixUser } from '@platform/sandbox';
import type { ServerConfig } from './config.ts';

type UserChoice = UnixUser | ((appId: string) => Promise<UnixUser>) | null;

/** How process-mode dynos and builds are kept apart from the server and from each other. */
export interface ProcessIsolation {
  /** Who dynos run as: each app's own user (a function of the app id), one fixed user, or null (the server's). */
  dynoUser: UserChoice;
  /** Who builds run as: a build-only user per app, one fixed user, or null. */
  buildUser: UserChoice;
  /** Each dyno in its own PID namespace under tini: its descendants end with it. */
  dynoPidNamespace: boolean;
  /** Each build in its own PID namespace: nothing it started outlives it. */
  buildPidNamespace: boolean;
}

/** Docker mode: containers isolate; nothing of this applies. */
export const NO_PROCESS_ISOLATION: ProcessIsolation = { dynoUser: null, buildUser: null, dynoPidNamespace: false, buildPidNamespace: false };

const TINI = '/usr/bin/tini';

/**
 * Decides the process runtime's isolation from what the machine allows, and says what it chose in the log.
 * As root: per-app users (`<dataDir>/app-users.json`, from `appUidBase`) unless PLATFORM_DYNO_USER names one
 * user for all, and PID namespaces when `unshare` works (dynos also need tini). Not root: none of it (dynos
 * and builds run as the server's user), with a warning.
 */
export async function processIsolation(config: Readonly<ServerConfig>, logger: Logger): Promise<ProcessIsolation> {
  if (process.getuid?.() !== 0) {
    logger.warn('not running as root: dynos and builds run as the server\'s own user, unsandboxed (see README: "Trust model")');
    return NO_PROCESS_ISOLATION;
  }
  let dynoUser: UserChoice;
  let buildUser: UserChoice;
  if (config.dynoUser) {
    const [uid, gid] = config.dynoUser.split(':').map(Number) as [number, number];
    dynoUser = buildUser = { uid, gid };
    logger.warn({ uid, gid }, 'PLATFORM_DYNO_USER is set: every app\'s dynos and builds share one user');
  } else {
    const users = createAppUsers({ file: path.join(config.dataDir, 'app-users.json'), firstUid: config.appUidBase });
    dynoUser = users.dynoUser;
    buildUser = users.buildUser;
  }
  const sandbox = await detectSandbox();
  if (!sandbox.pidNamespace) logger.warn({ reason: sandbox.reason }, 'PID namespaces are unavailable: a build or dyno may leave processes behind');
  const tini = existsSync(TINI);
  if (sandbox.pidNamespace && !tini) logger.warn(`${TINI} is missing (apt-get install tini): dynos run without a PID namespace`);
  const isolation = { dynoUser, buildUser, dynoPidNamespace: sandbox.pidNamespace && tini, buildPidNamespace: sandbox.pidNamespace };
  logger.info(
    { perAppUsers: !config.dynoUser, dynoPidNamespace: isolation.dynoPidNamespace, buildPidNamespace: isolation.buildPidNamespace },
    'process isolation',
  );
  return isolation;
}
