import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import { PlatformError, ErrorCodes } from '@platform/types';
import type { ConfigVars, ReleaseFailure, ReleaseRecord, ReleaseStatus } from './records.ts';
import { RELEASE_COLUMNS, toRelease } from './rows.ts';
import { withTransaction, type Queryable } from './tx.ts';
import { RELEASE_CONFIG_CACHE_SIZE, createReleaseConfigs, createReleaseReads, currentIn } from './release-reads.ts';

export { RELEASE_CONFIG_CACHE_SIZE, type ReleaseListOptions } from './release-reads.ts';

/**
 * Releases are immutable once written, except for `status` moving out of `pending`.
 * Versions are allocated under a row lock on the app, inside the creating transaction, so they stay
 * unique and gap-free however many deploys, config changes and rollbacks race.
 */
export function createReleases(pool: pg.Pool, cipher: Cipher, options: { configCacheSize?: number | undefined } = {}) {
  const configs = createReleaseConfigs(options.configCacheSize ?? RELEASE_CONFIG_CACHE_SIZE);

  async function insertRelease(
    client: Queryable,
    appId: string,
    input: { buildId: string | null; configEnc: Buffer | null; description: string; status: ReleaseStatus; userId: string },
  ): Promise<ReleaseRecord> {
    const v = await client.query('SELECT coalesce(max(version), 0) + 1 AS v FROM releases WHERE app_id = $1', [appId]);
    const id = randomUUID();
    await client.query(
      `INSERT INTO releases (id, app_id, version, build_id, config_enc, description, status, user_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, appId, v.rows[0].v, input.buildId, input.configEnc, input.description, input.status, input.userId],
    );
    const r = await client.query(`SELECT ${RELEASE_COLUMNS} FROM releases r JOIN users u ON u.id = r.user_id WHERE r.id = $1`, [id]);
    return toRelease(r.rows[0]);
  }

  async function lockApp(client: Queryable, appId: string): Promise<{ configEnc: Buffer | null }> {
    const r = await client.query('SELECT config_enc FROM apps WHERE id = $1 FOR UPDATE', [appId]);
    if (!r.rows[0]) throw new PlatformError(ErrorCodes.appNotFound, "Couldn't find that app.");
    return { configEnc: r.rows[0].config_enc as Buffer | null };
  }

  return {
    /** A deploy: the build's slug paired with the app's current config, as it is at this instant. */
    async createForBuild(input: {
      appId: string;
      buildId: string;
      description: string;
      userId: string;
      status: ReleaseStatus;
    }): Promise<ReleaseRecord> {
      return withTransaction(pool, async (client) => {
        const { configEnc } = await lockApp(client, input.appId);
        return insertRelease(client, input.appId, { ...input, configEnc });
      });
    },

    /**
     * Applies config changes (null deletes) and, when the app has a current release, creates the release that
     * pairs that release's build with the new config. Returns the new config and the release (null without a build).
     * `check` sees the config as it would be, under the app's row lock, and may throw to refuse the change: a rule
     * over the whole config (the size cap) then holds however many changes race.
     */
    async updateConfig(input: {
      appId: string;
      changes: Record<string, string | null>;
      userId: string;
      description: string;
      check?: ((config: Readonly<ConfigVars>) => void) | undefined;
    }): Promise<{ config: ConfigVars; release: ReleaseRecord | null }> {
      return withTransaction(pool, async (client) => {
        const { configEnc } = await lockApp(client, input.appId);
        const config: ConfigVars = configEnc ? cipher.openJson<ConfigVars>(configEnc) : {};
        for (const [key, value] of Object.entries(input.changes)) {
          if (value === null) delete config[key];
          else config[key] = value;
        }
        input.check?.(config);
        const sealed = cipher.sealJson(config);
        await client.query('UPDATE apps SET config_enc = $2, updated_at = now() WHERE id = $1', [input.appId, sealed]);
        const current = await currentIn(client, input.appId);
        if (!current) return { config, release: null };
        const release = await insertRelease(client, input.appId, {
          buildId: current.buildId,
          configEnc: sealed,
          description: input.description,
          status: 'pending',
          userId: input.userId,
        });
        // Known in clear here: deploying the release needs no second decryption. (A rolled-back transaction
        // leaves an id nothing will ask for; it ages out.)
        configs.remember(release.id, config);
        return { config, release };
      });
    },

    /**
     * A new release with the target's build and config; the app's config becomes the target's. `adjust`, under the
     * app's lock, may change the target's config first (the add-on vars an app has now stay as they are) and add a
     * note to the release's description.
     */
    async rollback(input: {
      appId: string;
      target: ReleaseRecord;
      userId: string;
      adjust?: ((config: ConfigVars) => { config: ConfigVars; note?: string | undefined }) | undefined;
    }): Promise<ReleaseRecord> {
      return withTransaction(pool, async (client) => {
        await lockApp(client, input.appId);
        const t = await client.query('SELECT config_enc FROM releases WHERE id = $1', [input.target.id]);
        let configEnc = (t.rows[0]?.config_enc as Buffer | null) ?? null;
        let note: string | undefined;
        if (input.adjust) {
          const adjusted = input.adjust(configEnc ? cipher.openJson<ConfigVars>(configEnc) : {});
          configEnc = cipher.sealJson(adjusted.config);
          note = adjusted.note;
        }
        await client.query('UPDATE apps SET config_enc = $2, updated_at = now() WHERE id = $1', [input.appId, configEnc]);
        return insertRelease(client, input.appId, {
          buildId: input.target.buildId,
          configEnc,
          description: `Rollback to v${input.target.version}${note ? ` (${note})` : ''}`,
          status: 'pending',
          userId: input.userId,
        });
      });
    },

    /**
     * Moves a pending release to `succeeded` or `failed` (with why: `failure`, required for `failed`); a release
     * that is no longer pending is left as it is.
     */
    async setStatus(id: string, status: Exclude<ReleaseStatus, 'pending'>, failure?: ReleaseFailure): Promise<void> {
      const f = status === 'failed' ? (failure ?? { kind: 'other', message: 'the release failed' }) : null;
      await pool.query(
        `UPDATE releases SET status = $2, failure_kind = $3, failure_message = $4, updated_at = now() WHERE id = $1 AND status = 'pending'`,
        [id, status, f?.kind ?? null, f?.message ?? null],
      );
    },

    /**
     * Fails every release still pending (its release phase or rollout was cut short by the previous server's
     * end), as `interrupted` with `reason`. For start-up, before the process manager converges apps on their
     * current releases. Returns `{ appId, version }` each.
     */
    async failPending(reason: string): Promise<Array<{ appId: string; version: number }>> {
      const r = await pool.query(
        `UPDATE releases SET status = 'failed', failure_kind = 'interrupted', failure_message = $1, updated_at = now()
         WHERE status = 'pending' RETURNING app_id, version`,
        [reason],
      );
      return r.rows.map((row: { app_id: string; version: number }) => ({ appId: row.app_id, version: Number(row.version) }));
    },

    ...createReleaseReads(pool, cipher, configs),
  };
}

export function createConfig(pool: pg.Pool, cipher: Cipher) {
  return {
    async get(appId: string): Promise<ConfigVars> {
      const r = await pool.query('SELECT config_enc FROM apps WHERE id = $1', [appId]);
      const enc = r.rows[0]?.config_enc as Buffer | null | undefined;
      return enc ? cipher.openJson<ConfigVars>(enc) : {};
    },
  };
}
