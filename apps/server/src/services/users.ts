import { randomBytes } from 'node:crypto';
import { ErrorCodes, PlatformError } from '@platform/types';
import { hashToken } from '@platform/secrets';
import type { User, UserRecord } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { checkPasswordRule, hashPassword, verifyPassword } from './passwords.ts';

/** How long an invitation code works: 7 days. */
export const INVITE_TTL_MS = 7 * 24 * 3600_000;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Deps = Pick<ServiceDeps, 'store' | 'accessEvents' | 'logger'>;

/** @throws PLT_FORBIDDEN unless `user` is an admin. */
export function requireAdmin(user: User): void {
  if (!user.isAdmin) throw new PlatformError(ErrorCodes.forbidden, 'This action needs an admin.');
}

/**
 * An e-mail address as users are keyed: trimmed, lowercased, at most 254 characters with one `@` and a dot after it.
 *
 * @throws PLT_INVALID_PARAMS
 */
export function parseEmail(value: unknown): string {
  const email = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!EMAIL_RE.test(email) || email.length > 254) throw new PlatformError(ErrorCodes.invalidParams, 'email must be an e-mail address such as dev@example.com.');
  return email;
}

/**
 * Creates a user (admin only). With a password (checked against PASSWORD_RULE) the user can log in at once;
 * without one, the answer carries a one-time `inviteCode` (valid INVITE_TTL_MS) the admin hands over and the user
 * exchanges once for a password of their choosing (`acceptInvitation`, `platform login --invite CODE`).
 *
 * @throws PLT_FORBIDDEN (not an admin); PLT_INVALID_PARAMS (a bad e-mail, a weak password); PLT_USER_EXISTS.
 */
export async function createUser(
  deps: Deps,
  actor: User,
  input: { email?: unknown; password?: unknown; admin?: unknown },
): Promise<{ user: UserRecord; inviteCode: string | null }> {
  requireAdmin(actor);
  const email = parseEmail(input.email);
  if (input.admin !== undefined && typeof input.admin !== 'boolean') throw new PlatformError(ErrorCodes.invalidParams, 'admin must be true or false.');
  const admin = input.admin === true;
  if (input.password !== undefined && input.password !== null) {
    const passwordHash = await hashPassword(checkPasswordRule(input.password, email));
    const user = await deps.store.accounts.createUser({ email, admin, passwordHash });
    deps.logger.info({ user: email, by: actor.email }, 'user created');
    return { user, inviteCode: null };
  }
  const inviteCode = randomBytes(24).toString('base64url');
  const user = await deps.store.accounts.createUser({ email, admin, invite: { hash: hashToken(inviteCode), expiresAt: new Date(Date.now() + INVITE_TTL_MS) } });
  deps.logger.info({ user: email, by: actor.email }, 'user invited');
  return { user, inviteCode };
}

/** Every live user, by e-mail (admin only). */
export async function listUsers(deps: Pick<ServiceDeps, 'store'>, actor: User): Promise<UserRecord[]> {
  requireAdmin(actor);
  return deps.store.accounts.listUsers();
}

/**
 * A live user by id or e-mail.
 *
 * @throws PLT_USER_NOT_FOUND
 */
export async function findUser(deps: Pick<ServiceDeps, 'store'>, idOrEmail: string): Promise<UserRecord> {
  const user = await deps.store.accounts.findUser(idOrEmail.trim());
  if (!user) throw new PlatformError(ErrorCodes.userNotFound, `No user ${idOrEmail}.`);
  return user;
}

function notSelf(actor: User, target: UserRecord, what: string): void {
  if (actor.id === target.id) throw new PlatformError(ErrorCodes.invalidParams, `You cannot ${what} yourself; another admin can.`);
}

/**
 * Disables (or re-enables) a user (admin only): its tokens and password stop working at once, and its open log
 * tails and attach sessions are closed.
 *
 * @throws PLT_FORBIDDEN; PLT_USER_NOT_FOUND; PLT_INVALID_PARAMS (yourself).
 */
export async function setUserDisabled(deps: Deps, actor: User, idOrEmail: string, disabled: boolean): Promise<UserRecord> {
  requireAdmin(actor);
  const target = await findUser(deps, idOrEmail);
  if (disabled) notSelf(actor, target, 'disable');
  const user = (await deps.store.accounts.setDisabled(target.id, disabled))!;
  if (disabled) deps.accessEvents.revoked({ userId: target.id });
  deps.logger.info({ user: target.email, by: actor.email, disabled }, disabled ? 'user disabled' : 'user enabled');
  return user;
}

/**
 * Removes a user (admin only): tokens, password, invitation and collaborations go, open sessions close; releases
 * keep naming them. A user who owns apps is refused: an app must always have an owner.
 *
 * @throws PLT_FORBIDDEN; PLT_USER_NOT_FOUND; PLT_INVALID_PARAMS (yourself, or the owner of apps, named).
 */
export async function removeUser(deps: Deps, actor: User, idOrEmail: string): Promise<UserRecord> {
  requireAdmin(actor);
  const target = await findUser(deps, idOrEmail);
  notSelf(actor, target, 'remove');
  const owned = (await deps.store.apps.list()).filter((a) => a.ownerId === target.id).map((a) => a.name);
  if (owned.length > 0) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      `${target.email} owns ${owned.join(', ')}: transfer (platform apps:transfer) or destroy them first, since every app needs an owner.`,
    );
  }
  await deps.store.accounts.removeUser(target.id);
  deps.accessEvents.revoked({ userId: target.id });
  deps.logger.info({ user: target.email, by: actor.email }, 'user removed');
  return target;
}

/**
 * Exchanges an invitation code, once, for the password the invited user chose (PASSWORD_RULE). Unknown, used and
 * expired codes get the same answer.
 *
 * @throws PLT_NOT_FOUND (the code); PLT_INVALID_PARAMS (a weak password; the code stays usable).
 */
export async function acceptInvitation(deps: Pick<ServiceDeps, 'store' | 'logger'>, code: string, password: unknown): Promise<UserRecord> {
  const gone = () => new PlatformError(ErrorCodes.notFound, 'This invitation is unknown, expired or already used; ask your admin for a new one.');
  const hash = hashToken(code);
  const invited = await deps.store.accounts.findInvite(hash);
  if (!invited) throw gone();
  const passwordHash = await hashPassword(checkPasswordRule(password, invited.email));
  const user = await deps.store.accounts.acceptInvite(hash, passwordHash);
  if (!user) throw gone();
  deps.logger.info({ user: user.email }, 'invitation accepted');
  return user;
}

/**
 * Sets the acting user's own password (`PATCH /account`). Changing one needs the current password too; a user
 * without one yet (the bootstrapped admin) sets it with its token alone.
 *
 * @throws PLT_INVALID_PARAMS (weak, or the current password missing or wrong: nothing changes).
 */
export async function changePassword(deps: Pick<ServiceDeps, 'store' | 'logger'>, user: User, input: { password?: unknown; current_password?: unknown }): Promise<void> {
  const stored = await deps.store.accounts.passwordOf(user.email);
  if (stored?.hash) {
    const current = typeof input.current_password === 'string' ? input.current_password : '';
    if (!(await verifyPassword(current, stored.hash))) throw new PlatformError(ErrorCodes.invalidParams, 'current_password is missing or wrong.');
  }
  await deps.store.accounts.setPassword(user.id, await hashPassword(checkPasswordRule(input.password, user.email)));
  deps.logger.info({ user: user.email }, 'password changed');
}
