import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import { PlatformError, ErrorCodes } from '@platform/types';
import type { BuildRecord, ConfigVars, ReleaseRecord } from './records.ts';
import { RELEASE_COLUMNS, toBuild, toRelease } from './rows.ts';
import type { Queryable } from './tx.ts';

export interface ReleaseListOptions {
  order?: 'asc' | 'desc';
  max?: number;
  /** Only versions strictly after (asc) / before (desc) this one: for Range paging. */
  after?: number | undefined;
}

/** How many releases' decrypted config `releases.config` keeps by default (each at most 32 kB). */
export const RELEASE_CONFIG_CACHE_SIZE = 256;

/** The newest succeeded release of an app: the one that should be running. */
export async function currentIn(client: Queryable, appId: string): Promise<ReleaseRecord | null> {
  const r = await client.query(
    `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN users u ON u.id = r.user_id
     WHERE r.app_id = $1 AND r.status = 'succeeded' ORDER BY r.version DESC LIMIT 1`,
    [appId],
  );
  return r.rows[0] ? toRelease(r.rows[0]) : null;
}

/**
 * Decrypted release configs by release id, the last `size` used. A release's config never changes once written, so
 * it is decrypted once while it stays here: the process manager asks for the current release's on every tick.
 */
export function createReleaseConfigs(size: number) {
  const configs = new Map<string, Readonly<ConfigVars>>();
  return {
    get(releaseId: string): Readonly<ConfigVars> | undefined {
      const config = configs.get(releaseId);
      if (config) this.remember(releaseId, config);
      return config;
    },
    remember(releaseId: string, config: Readonly<ConfigVars>): void {
      configs.delete(releaseId);
      configs.set(releaseId, Object.isFrozen(config) ? config : Object.freeze({ ...config }));
      while (configs.size > size) configs.delete(configs.keys().next().value!);
    },
  };
}

export type ReleaseConfigs = ReturnType<typeof createReleaseConfigs>;

/** The read side of releases (see createReleases). */
export function createReleaseReads(pool: pg.Pool, cipher: Cipher, configs: ReleaseConfigs) {
  return {
    async list(appId: string, options: ReleaseListOptions = {}): Promise<ReleaseRecord[]> {
      const desc = options.order === 'desc';
      const params: unknown[] = [appId, Math.min(Math.max(options.max ?? 200, 1), 1000)];
      let where = 'r.app_id = $1';
      if (options.after !== undefined) {
        params.push(options.after);
        where += desc ? ' AND r.version < $3' : ' AND r.version > $3';
      }
      const r = await pool.query(
        `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN users u ON u.id = r.user_id WHERE ${where}
         ORDER BY r.version ${desc ? 'DESC' : 'ASC'} LIMIT $2`,
        params,
      );
      return r.rows.map(toRelease);
    },

    /** By version number (`7`, `v7`) or id. */
    async get(appId: string, idOrVersion: string): Promise<ReleaseRecord> {
      const m = /^v?([1-9][0-9]{0,8})$/.exec(idOrVersion);
      const r = m
        ? await pool.query(
            `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN users u ON u.id = r.user_id WHERE r.app_id = $1 AND r.version = $2`,
            [appId, Number(m[1])],
          )
        : await pool.query(
            `SELECT ${RELEASE_COLUMNS} FROM releases r JOIN users u ON u.id = r.user_id WHERE r.app_id = $1 AND r.id::text = $2`,
            [appId, idOrVersion],
          );
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.releaseNotFound, "Couldn't find that release.");
      return toRelease(r.rows[0]);
    },

    /** The release that should be running: the newest succeeded one. */
    current: (appId: string) => currentIn(pool, appId),

    /**
     * The current release and its build (null for a release without one), or null before the first succeeded
     * release: the one lookup behind process types, `apps:info` and what the process manager runs.
     */
    async currentWithBuild(appId: string): Promise<{ release: ReleaseRecord; build: BuildRecord | null } | null> {
      const release = await currentIn(pool, appId);
      if (!release) return null;
      if (!release.buildId) return { release, build: null };
      const b = await pool.query('SELECT * FROM builds WHERE id = $1', [release.buildId]);
      return { release, build: b.rows[0] ? toBuild(b.rows[0]) : null };
    },

    async latest(appId: string): Promise<ReleaseRecord | null> {
      const rows = await this.list(appId, { order: 'desc', max: 1 });
      return rows[0] ?? null;
    },

    /** The config a release runs with (a fresh copy each call); decrypted once per release while it stays cached. */
    async config(releaseId: string): Promise<ConfigVars> {
      const cached = configs.get(releaseId);
      if (cached) return { ...cached };
      const r = await pool.query('SELECT config_enc FROM releases WHERE id = $1', [releaseId]);
      if (!r.rows[0]) return {};
      const enc = r.rows[0].config_enc as Buffer | null;
      const config = enc ? cipher.openJson<ConfigVars>(enc) : {};
      configs.remember(releaseId, config);
      return { ...config };
    },
  };
}
