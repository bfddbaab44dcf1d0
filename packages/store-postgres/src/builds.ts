import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PlatformError, ErrorCodes } from '@platform/types';
import type { BuildRecord } from './records.ts';
import { toBuild } from './rows.ts';

export function createBuilds(pool: pg.Pool) {
  return {
    async create(input: { appId: string; userId: string; sourceVersion: string | null }): Promise<BuildRecord> {
      const r = await pool.query(
        `INSERT INTO builds (id, app_id, user_id, status, source_version) VALUES ($1, $2, $3, 'pending', $4) RETURNING *`,
        [randomUUID(), input.appId, input.userId, input.sourceVersion],
      );
      return toBuild(r.rows[0]);
    },

    async succeed(
      id: string,
      /**
       * A Dockerfile build has no slug (`slugChecksum` and `slugSize` null): its image is its artifact, and `images`
       * the image of each process type that does not run `image` (one image per type).
       */
      result: {
        buildpack: string;
        processTypes: Record<string, string>;
        slugChecksum: string | null;
        slugSize: number | null;
        image?: string | null;
        images?: Readonly<Record<string, string>> | null;
      },
    ): Promise<BuildRecord> {
      const r = await pool.query(
        `UPDATE builds SET status = 'succeeded', buildpack = $2, process_types = $3, slug_checksum = $4, slug_size = $5,
           image = $6, images = $7, updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
        [id, result.buildpack, JSON.stringify(result.processTypes), result.slugChecksum, result.slugSize, result.image ?? null, result.images ? JSON.stringify(result.images) : null],
      );
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.buildNotFound, 'Build not found or already finished.');
      return toBuild(r.rows[0]);
    },

    async fail(id: string, failure: string): Promise<void> {
      await pool.query(
        `UPDATE builds SET status = 'failed', failure = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
        [id, failure.slice(0, 2000)],
      );
    },

    /**
     * Fails every build still pending, with `failure` as the reason. For start-up: a build pending then was
     * cut short by the previous server's end (its process and workspace are gone). Returns `{ appId, id }` each.
     */
    async failPending(failure: string): Promise<Array<{ appId: string; id: string }>> {
      const r = await pool.query(
        `UPDATE builds SET status = 'failed', failure = $1, updated_at = now() WHERE status = 'pending' RETURNING app_id, id`,
        [failure],
      );
      return r.rows.map((row: { app_id: string; id: string }) => ({ appId: row.app_id, id: row.id }));
    },

    async get(appId: string, id: string): Promise<BuildRecord> {
      const r = await pool.query('SELECT * FROM builds WHERE app_id = $1 AND id::text = $2', [appId, id]);
      if (!r.rows[0]) throw new PlatformError(ErrorCodes.buildNotFound, "Couldn't find that build.");
      return toBuild(r.rows[0]);
    },

    async list(appId: string): Promise<BuildRecord[]> {
      const r = await pool.query('SELECT * FROM builds WHERE app_id = $1 ORDER BY created_at, id', [appId]);
      return r.rows.map(toBuild);
    },

    /** Slug checksums and images still referenced by any release or build (for garbage collection). */
    async referencedArtifacts(): Promise<{ slugs: Set<string>; images: Set<string> }> {
      const r = await pool.query(`SELECT slug_checksum, image, images FROM builds WHERE status = 'succeeded'`);
      const slugs = new Set<string>();
      const images = new Set<string>();
      for (const row of r.rows) {
        if (row.slug_checksum) slugs.add(row.slug_checksum);
        if (row.image) images.add(row.image);
        for (const image of Object.values((row.images as Record<string, string> | null) ?? {})) images.add(image);
      }
      return { slugs, images };
    },
  };
}
