import { ErrorCodes, PlatformError } from '@platform/types';
import { PERMISSIONS, type AppRecord, type CollaboratorRecord, type Permission, type User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';
import { findUser, parseEmail } from './users.ts';

type Deps = Pick<ServiceDeps, 'store' | 'accessEvents' | 'logger'>;

/**
 * A permission list as the API takes it (names from view, deploy, operate, manage, in any order, or a
 * comma-separated string); `view` is always included, as on Heroku. Absent: every permission (a personal app's
 * collaborator on Heroku may do all but destroy and transfer it).
 *
 * @throws PLT_INVALID_PARAMS naming the unknown permission.
 */
export function parsePermissions(value: unknown): Permission[] {
  if (value === undefined || value === null) return [...PERMISSIONS];
  const names = typeof value === 'string' ? value.split(',').map((p) => p.trim()).filter(Boolean) : value;
  if (!Array.isArray(names)) throw new PlatformError(ErrorCodes.invalidParams, `permissions must be a list of ${PERMISSIONS.join(', ')}.`);
  const wanted = new Set<Permission>(['view']);
  for (const name of names) {
    if (typeof name !== 'string' || !(PERMISSIONS as readonly string[]).includes(name)) {
      throw new PlatformError(ErrorCodes.invalidParams, `Unknown permission ${JSON.stringify(name)}: use ${PERMISSIONS.join(', ')}.`);
    }
    wanted.add(name as Permission);
  }
  return PERMISSIONS.filter((p) => wanted.has(p));
}

/** The app's collaborators (the owner is not one: `apps:info` names it). Needs view. */
export async function listCollaborators(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<{ app: AppRecord; collaborators: CollaboratorRecord[] }> {
  const app = await findApp(deps.store, user, appName, 'view');
  return { app, collaborators: await deps.store.collaborators.list(app.id) };
}

/**
 * Gives a user access to an app (needs manage).
 *
 * @throws PLT_USER_NOT_FOUND; PLT_INVALID_PARAMS (the owner, a bad permission); PLT_COLLABORATOR_EXISTS (nothing changes).
 */
export async function addCollaborator(deps: Deps, user: User, appName: string, input: { user?: unknown; permissions?: unknown }): Promise<{ app: AppRecord; collaborator: CollaboratorRecord }> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const permissions = parsePermissions(input.permissions);
  const target = await findUser(deps, parseEmail(input.user));
  if (target.id === app.ownerId) throw new PlatformError(ErrorCodes.invalidParams, `${target.email} owns ${app.name} already.`);
  const collaborator = await deps.store.collaborators.add(app.id, target.id, permissions);
  deps.logger.info({ app: app.name, user: target.email, by: user.email, permissions }, 'collaborator added');
  return { app, collaborator };
}

/**
 * Replaces a collaborator's permissions (needs manage). Narrowing closes the collaborator's open sessions on the app.
 *
 * @throws PLT_COLLABORATOR_NOT_FOUND; PLT_INVALID_PARAMS
 */
export async function updateCollaborator(deps: Deps, user: User, appName: string, who: string, input: { permissions?: unknown }): Promise<{ app: AppRecord; collaborator: CollaboratorRecord }> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const permissions = parsePermissions(input.permissions);
  const target = await deps.store.accounts.findUser(who.trim());
  const before = target ? await deps.store.collaborators.permissionsOf(app.id, target.id) : null;
  const collaborator = target && before ? await deps.store.collaborators.update(app.id, target.id, permissions) : null;
  if (!target || !before || !collaborator) throw new PlatformError(ErrorCodes.collaboratorNotFound, `${who} is not a collaborator on ${app.name}.`);
  if (before.some((p) => !permissions.includes(p))) deps.accessEvents.revoked({ userId: target.id, appId: app.id });
  return { app, collaborator };
}

/**
 * Takes a collaborator's access away (needs manage; a collaborator may always remove itself). The owner cannot be
 * removed: an app always has one (transfer it instead). The removed user's open log tails and attach sessions on
 * the app close now.
 *
 * @throws PLT_INVALID_PARAMS (the owner); PLT_COLLABORATOR_NOT_FOUND
 */
export async function removeCollaborator(deps: Deps, user: User, appName: string, who: string): Promise<{ app: AppRecord; collaborator: CollaboratorRecord }> {
  const target = await deps.store.accounts.findUser(who.trim());
  const app = await findApp(deps.store, user, appName, target?.id === user.id ? 'view' : 'manage');
  if (target?.id === app.ownerId) {
    throw new PlatformError(ErrorCodes.invalidParams, `${target.email} owns ${app.name}, and an app cannot lose its last owner: transfer it first (platform apps:transfer).`);
  }
  const collaborator = target ? await deps.store.collaborators.remove(app.id, target.id) : null;
  if (!target || !collaborator) throw new PlatformError(ErrorCodes.collaboratorNotFound, `${who} is not a collaborator on ${app.name}.`);
  deps.accessEvents.revoked({ userId: target.id, appId: app.id });
  deps.logger.info({ app: app.name, user: target.email, by: user.email }, 'collaborator removed');
  return { app, collaborator };
}

/**
 * Gives the app to another user (its owner or an admin only). The previous owner stays on as a collaborator with
 * every permission, as on Heroku; the recipient stops being a collaborator.
 *
 * @throws PLT_FORBIDDEN (not the owner); PLT_USER_NOT_FOUND; PLT_INVALID_PARAMS (already the owner, or disabled).
 */
export async function transferApp(deps: Deps, user: User, appName: string, recipient: unknown): Promise<AppRecord> {
  const app = await findApp(deps.store, user, appName, 'owner');
  const target = await findUser(deps, parseEmail(recipient));
  if (target.id === app.ownerId) throw new PlatformError(ErrorCodes.invalidParams, `${target.email} owns ${app.name} already.`);
  if (target.disabledAt) throw new PlatformError(ErrorCodes.invalidParams, `${target.email} is disabled.`);
  const moved = await deps.store.apps.transfer(app.id, target.id, PERMISSIONS);
  deps.logger.info({ app: app.name, from: app.ownerId, to: target.email, by: user.email }, 'app transferred');
  return moved;
}
