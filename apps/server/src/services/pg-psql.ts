import { ErrorCodes, PlatformError, type AttachOptions } from '@platform/types';
import type { OneOff } from '@platform/process-manager';
import type { AppRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';
import { parseRunRequest, type RunRequest } from './one-offs.ts';

/** The one-off's variable carrying `-c SQL`: psql gets it as one argument through `"$…"`, never as shell text. */
export const PSQL_COMMAND_VAR = 'PLATFORM_PSQL_COMMAND';

/** What `psql` runs as in the one-off: interactive, or the one command of `-c` (stopping at its first error). */
const INTERACTIVE = 'exec psql';
const ONE_COMMAND = `exec psql -v ON_ERROR_STOP=1 -c "$${PSQL_COMMAND_VAR}"`;

/**
 * libpq's variables for a `postgres://user:password@host:port/database?sslmode=…` URL, so that psql connects
 * without the URL (and its password) in its argv. Null for anything else.
 */
export function libpqEnvironment(value: string): Record<string, string> | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return null;
  const env: Record<string, string> = { PGHOST: url.hostname.replace(/^\[|\]$/g, ''), PGAPPNAME: 'platform pg:psql' };
  if (url.port) env.PGPORT = url.port;
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/**
 * Starts `psql` in a one-off dyno of the app (`platform pg:psql [DATABASE] [-c SQL]`, POST /apps/{app}/pg-psql;
 * Heroku's CLI runs psql on the user's machine, which cannot reach a database the platform keeps on its private
 * addresses). The connection is the config var of a PostgreSQL attachment in the app's current release:
 * `DATABASE` (`DATABASE_URL`), an attachment name, its var, or the add-on's name; default `DATABASE_URL`, or the
 * app's only database. It reaches psql as libpq's `PG*` variables (password in `PGPASSWORD`, never in argv); `-c`
 * SQL goes in `PLATFORM_PSQL_COMMAND` and runs with `ON_ERROR_STOP`. Otherwise like `platform run` (needs
 * `deploy`; size, terminal size, time to live as Dyno Create takes them).
 *
 * @throws PLT_APP_NOT_FOUND; PLT_FORBIDDEN; PLT_NO_RELEASE before the first deploy; PLT_ADDON_ATTACHMENT_NOT_FOUND
 *   (no such database, or none); PLT_INVALID_PARAMS (bad fields; a var that is not a postgres:// URL)
 */
export async function startPsql(
  deps: Pick<ServiceDeps, 'store' | 'manager' | 'deployer' | 'oneOffSizes'>,
  user: User,
  appName: string,
  body: unknown,
): Promise<{ app: AppRecord; oneOff: OneOff; run: RunRequest; addon: string; configVar: string }> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const database = b.database ?? null;
  const sql = b.command ?? null;
  if (database !== null && typeof database !== 'string') throw new PlatformError(ErrorCodes.invalidParams, 'database must be a string, e.g. DATABASE.');
  if (sql !== null && (typeof sql !== 'string' || sql.trim() === '')) throw new PlatformError(ErrorCodes.invalidParams, 'command must be the SQL to run, e.g. "SELECT 1".');
  const run = parseRunRequest({ ...b, command: sql === null ? INTERACTIVE : ONE_COMMAND, type: 'run', env: { ...(b.env as object | undefined), ...(sql === null ? {} : { [PSQL_COMMAND_VAR]: sql }) } });

  const { attachment, addonName } = await pickDatabase(deps, app, database);
  const configVar = `${attachment}_URL`;
  const current = await deps.store.releases.currentWithBuild(app.id);
  if (!current) throw new PlatformError(ErrorCodes.noRelease, `${app.name} has no release to run on yet. Deploy it first: git push platform main.`);
  const release = await deps.deployer.releaseTarget(current.release, current.build);
  const value = release.env[configVar];
  const connection = value === undefined ? null : libpqEnvironment(value);
  if (!connection) {
    throw new PlatformError(ErrorCodes.invalidParams, `${configVar} of ${app.name}'s current release is ${value === undefined ? 'not set' : 'not a postgres:// URL'}.`);
  }
  const attach: AttachOptions | null = run.attach ? { tty: run.tty, cols: dimension(run.env.COLUMNS, 80), rows: dimension(run.env.LINES, 24) } : null;
  const oneOff = await deps.manager.runOneOff({
    app: app.name,
    appId: app.id,
    release,
    command: run.command,
    env: { ...release.env, ...run.env, ...connection },
    size: run.size,
    attach,
    ttlMs: run.ttlMs,
    by: user.email,
  });
  deps.oneOffSizes.remember(oneOff, run.sizeName);
  return { app, oneOff, run, addon: addonName, configVar };
}

const dimension = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n < 10_000 ? n : fallback;
};

/** The PostgreSQL attachment `ref` names in the app (see startPsql), or the default one. */
async function pickDatabase(deps: Pick<ServiceDeps, 'store'>, app: AppRecord, ref: string | null): Promise<{ attachment: string; addonName: string }> {
  const databases: { attachment: string; addonName: string }[] = [];
  for (const a of await deps.store.addons.attachments(app.id)) {
    const addon = await deps.store.addons.find(a.addonId);
    if (addon?.service === 'postgresql') databases.push({ attachment: a.name, addonName: addon.name });
  }
  const wanted = ref?.trim().toUpperCase().replace(/_URL$/, '');
  const found =
    ref === null
      ? (databases.find((d) => d.attachment === 'DATABASE') ?? (databases.length === 1 ? databases[0] : undefined))
      : databases.find((d) => d.attachment === wanted || d.addonName === ref.trim());
  if (!found) {
    const names = databases.map((d) => d.attachment).join(', ');
    throw new PlatformError(
      ErrorCodes.addonAttachmentNotFound,
      databases.length === 0
        ? `${app.name} has no PostgreSQL database attached. Create one with platform addons:create postgresql.`
        : `${ref === null ? `${app.name} has more than one database and none is DATABASE` : `${app.name} has no database ${ref}`}; name one of: ${names}.`,
    );
  }
  return found;
}
