import { DYNO_NAME_RE, ErrorCodes, PlatformError } from '@platform/types';
import type { DynoStatus } from '@platform/process-manager';
import type { AppRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';
import { DEFAULT_DYNO_SIZE } from './dyno-sizes.ts';

/** A dyno as `ps` shows it: the manager's status and the size it runs at. */
export interface DynoView {
  status: DynoStatus;
  /** Its formation's size for a formation dyno, the requested one for a one-off (`Standard-2X`), else `standard`. */
  size: string;
}

/** `web.1` names one dyno; anything else is taken as a process type. */
export const dynoFilter = (target: string): { name: string } | { type: string } =>
  DYNO_NAME_RE.test(target) ? { name: target } : { type: target };

/**
 * The app's dynos (formation and one-off), each with its size.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function listDynos(deps: Pick<ServiceDeps, 'store' | 'manager' | 'oneOffSizes'>, user: User, appName: string): Promise<{ app: AppRecord; dynos: DynoView[] }> {
  const app = await findApp(deps.store, user, appName);
  const statuses = deps.manager.dynos(app.id);
  const sizes = new Map((statuses.length > 0 ? await deps.store.formations.list(app.id) : []).map((f) => [f.type, f.size]));
  const dynos = statuses.map((status) => ({ status, size: deps.oneOffSizes.sizeOf(status.id) ?? sizes.get(status.type) ?? DEFAULT_DYNO_SIZE }));
  return { app, dynos };
}

/**
 * One dyno by name (`web.1`) or id.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_DYNO_NOT_FOUND
 */
export async function getDyno(deps: Pick<ServiceDeps, 'store' | 'manager' | 'oneOffSizes'>, user: User, appName: string, nameOrId: string): Promise<{ app: AppRecord; dyno: DynoView }> {
  const { app, dynos } = await listDynos(deps, user, appName);
  const dyno = dynos.find((d) => d.status.name === nameOrId || d.status.id === nameOrId);
  if (!dyno) throw new PlatformError(ErrorCodes.dynoNotFound, `No dyno ${nameOrId}.`);
  return { app, dyno };
}

/**
 * Restarts the app's formation dynos, or those matching `filter` (one dyno by name, one process type); web rolls
 * one at a time like a deploy. One-off dynos are not restarted (Heroku: `ps:restart` leaves them alone).
 * With a filter, `missing` is the message when no running dyno matches.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_DYNO_NOT_FOUND when a filter matches no running dyno.
 */
export async function restartDynos(
  deps: Pick<ServiceDeps, 'store' | 'manager'>,
  user: User,
  appName: string,
  filter?: { filter: { name: string } | { type: string }; missing: string },
): Promise<void> {
  const app = await findApp(deps.store, user, appName, 'operate');
  if (!filter) return deps.manager.restart(app.id);
  const f = filter.filter;
  const matches = (d: DynoStatus) => ('name' in f ? d.name === f.name : d.type === f.type);
  if (!deps.manager.dynos(app.id).some(matches)) throw new PlatformError(ErrorCodes.dynoNotFound, filter.missing);
  await deps.manager.restart(app.id, f);
}

/**
 * Stops dynos matching `filter` (SIGTERM → grace → SIGKILL). A stopped formation dyno is started again by the
 * manager (Heroku's Common Runtime does the same); a stopped one-off ends.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_DYNO_NOT_FOUND when nothing running matches.
 */
export async function stopDynos(deps: Pick<ServiceDeps, 'store' | 'manager'>, user: User, appName: string, filter: { name: string } | { type: string }): Promise<void> {
  const app = await findApp(deps.store, user, appName, 'operate');
  const stopped = await deps.manager.stop(app.id, filter);
  if (stopped === 0) throw new PlatformError(ErrorCodes.dynoNotFound, `No running dyno matches ${'name' in filter ? filter.name : filter.type}.`);
}
