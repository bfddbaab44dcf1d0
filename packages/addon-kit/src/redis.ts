import { createHash } from 'node:crypto';
import { ErrorCodes, PlatformError } from '@platform/types';

/** What a plan gives an add-on's server (shown by `redis:info`). */
export interface RedisPlanSettings {
  /** `maxmemory`, e.g. `64mb`. */
  maxmemory: string;
  /** `maxmemory-policy`: Heroku's default for new instances, `noeviction`. */
  maxmemoryPolicy: string;
  /** Seconds an idle client connection may stay open (`timeout`; Heroku's default is 300). */
  timeout: number;
}

/** The plans of the Redis add-on and what each gives. */
export const REDIS_PLANS: Readonly<Record<string, RedisPlanSettings>> = {
  dev: { maxmemory: '64mb', maxmemoryPolicy: 'noeviction', timeout: 300 },
};

/** The settings of `plan`. @throws PLT_INVALID_PARAMS for a plan this provider does not know. */
export function planSettings(plan: string): RedisPlanSettings {
  const settings = Object.hasOwn(REDIS_PLANS, plan) ? REDIS_PLANS[plan] : undefined;
  if (!settings) throw new PlatformError(ErrorCodes.invalidParams, `Redis has no plan ${JSON.stringify(plan)}. Plans: ${Object.keys(REDIS_PLANS).join(', ')}.`);
  return settings;
}

/** The user platformd administers every Redis add-on server as (status, credential rotation); never given to apps. */
export const ADMIN_USER = 'platform';

/**
 * What the app's users may run: everything but the `@admin` category (CONFIG, DEBUG, SHUTDOWN, MODULE, ACL
 * changes, MONITOR, SAVE/BGSAVE, REPLICAOF, CLIENT KILL/LIST, …) and MIGRATE (which connects out to any host).
 */
export const APP_PERMISSIONS = '~* &* +@all -@admin -migrate';

/** A password as the ACL file keeps it: `#` and its SHA-256 in hex, never the password itself. */
export function aclPasswordHash(password: string): string {
  return `#${createHash('sha256').update(password, 'utf8').digest('hex')}`;
}

/**
 * The ACL file of one add-on's Redis server: the app's user (`addon_<id>`, named in REDIS_URL) and `default` (for clients
 * that send only a password) share the app's password and permissions; `platform` is platformd's own.
 */
export function renderAclFile(users: { appUser: string; appPassword: string; adminPassword: string }): string {
  if (!/^addon_[0-9a-f]{32}$/.test(users.appUser)) throw new Error(`bad add-on user ${users.appUser}`);
  const app = aclPasswordHash(users.appPassword);
  return [
    `user default on ${app} ${APP_PERMISSIONS}`,
    `user ${users.appUser} on ${app} ${APP_PERMISSIONS}`,
    `user ${ADMIN_USER} on ${aclPasswordHash(users.adminPassword)} ~* &* +@all`,
    '',
  ].join('\n');
}

/** The URL an app gets: `redis://addon_<id>:<password>@<host>:<port>` (passwords are base64url: nothing to escape). */
export function redisUrl(parts: { host: string; port: number; user: string; password: string }): string {
  return `redis://${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}@${parts.host}:${parts.port}`;
}
