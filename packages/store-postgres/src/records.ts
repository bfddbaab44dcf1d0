/** Rows of the store as the rest of the platform sees them (camelCase, Dates). */

export interface User {
  id: string;
  email: string;
  isAdmin: boolean;
}

/** A user as the admin sees it (`/users`). `inviteExpiresAt` is set while an invitation waits to be accepted. */
export interface UserRecord extends User {
  hasPassword: boolean;
  inviteExpiresAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An API token without its secret (only a hash is stored). `expiresAt` null: never expires. */
export interface TokenRecord {
  id: string;
  userId: string;
  description: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * Heroku's app permission names: `view` (read the app, its releases, formation, dynos, logs), `deploy` (push,
 * config, releases, rollback, one-offs), `operate` (scale, restart, stop), `manage` (collaborators, drains, rename).
 */
export type Permission = 'view' | 'deploy' | 'operate' | 'manage';

export const PERMISSIONS: readonly Permission[] = ['view', 'deploy', 'operate', 'manage'];

/** A user's access to an app other than owning it. `permissions` always holds `view`. */
export interface CollaboratorRecord {
  appId: string;
  userId: string;
  email: string;
  permissions: Permission[];
  createdAt: Date;
  updatedAt: Date;
}

export interface AppRecord {
  id: string;
  name: string;
  ownerId: string;
  maintenance: boolean;
  /** Automatic Certificate Management (ACME) on for the app's custom domains. */
  acm: boolean;
  /** Plain-HTTP requests for a hostname a certificate covers are redirected to HTTPS (feature `redirect-https`). */
  redirectHttps: boolean;
  /** The buildpacks the app chose, in order (names of buildpacks dirs); empty: detection over the default order. */
  buildpacks: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type BuildStatus = 'pending' | 'succeeded' | 'failed';

export interface BuildRecord {
  id: string;
  appId: string;
  userId: string;
  status: BuildStatus;
  sourceVersion: string | null;
  buildpack: string | null;
  processTypes: Record<string, string>;
  slugChecksum: string | null;
  slugSize: number | null;
  image: string | null;
  /** A Dockerfile build with one image per process type: type → image, for those not running `image`; else null. */
  images: Readonly<Record<string, string>> | null;
  failure: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed' | 'expired';

/**
 * Why a release failed: `release_command` (the Procfile `release:` command exited non-zero or timed out), `boot`
 * (a web dyno of the new release did not come up: R10, an exit or crash, a failed health check), `interrupted`
 * (platformd stopped before it went live), `other` (anything else in the rollout). `message` is the reason as
 * shown to users, e.g. `web.1 exited during boot (status 3)`.
 */
export interface ReleaseFailure {
  kind: 'release_command' | 'boot' | 'interrupted' | 'other';
  message: string;
}

export interface ReleaseRecord {
  id: string;
  appId: string;
  version: number;
  buildId: string | null;
  description: string;
  status: ReleaseStatus;
  /** Set when `status` is `failed` (null for releases failed before failures were recorded). */
  failure: ReleaseFailure | null;
  userId: string;
  userEmail: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface FormationRecord {
  appId: string;
  type: string;
  quantity: number;
  size: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ConfigVars = Record<string, string>;
