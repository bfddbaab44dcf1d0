import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import type { AddonCredentials } from '@platform/types';
import { isUniqueViolation } from './tx.ts';

/** Where an add-on is in its life (migration 008). */
export type AddonState = 'provisioning' | 'provisioned' | 'deprovisioning';

/** An add-on (migration 008). `credentials` are opened from their sealed column only when asked for. */
export interface AddonRecord {
  id: string;
  name: string;
  appId: string;
  /** e.g. `postgresql` */
  service: string;
  /** e.g. `dev` */
  plan: string;
  /** The provider that runs it, e.g. `process`. */
  provider: string;
  state: AddonState;
  createdAt: Date;
  updatedAt: Date;
}

/** An add-on attached to an app as `<name>_URL`. */
export interface AddonAttachmentRecord {
  id: string;
  addonId: string;
  appId: string;
  /** e.g. `DATABASE`; the config var is `DATABASE_URL`. */
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toAddon = (r: Record<string, unknown>): AddonRecord => ({
  id: r.id as string,
  name: r.name as string,
  appId: r.app_id as string,
  service: r.service as string,
  plan: r.plan as string,
  provider: r.provider as string,
  state: r.state as AddonState,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

const toAttachment = (r: Record<string, unknown>): AddonAttachmentRecord => ({
  id: r.id as string,
  addonId: r.addon_id as string,
  appId: r.app_id as string,
  name: r.name as string,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

/**
 * Add-ons and their attachments. The services decide the rules (names, which config var); this keeps rows.
 *
 *   const addon = await store.addons.create({ name: 'postgresql-shiny-12345', appId, service: 'postgresql', plan: 'dev', provider: 'process' });
 *   await store.addons.setCredentials(addon.id, { url });
 */
export function createAddons(pool: pg.Pool, cipher: Cipher) {
  return {
    /** A new add-on in state `provisioning`; null when the name is taken. */
    async create(input: { name: string; appId: string; service: string; plan: string; provider: string }): Promise<AddonRecord | null> {
      try {
        const r = await pool.query(
          `INSERT INTO addons (id, name, app_id, service, plan, provider, state) VALUES ($1, $2, $3, $4, $5, $6, 'provisioning') RETURNING *`,
          [randomUUID(), input.name, input.appId, input.service, input.plan, input.provider],
        );
        return toAddon(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },

    /** Stores the add-on's credentials sealed and marks it `provisioned`. */
    async setCredentials(id: string, credentials: AddonCredentials): Promise<void> {
      await pool.query(`UPDATE addons SET credentials_enc = $2, state = 'provisioned', updated_at = now() WHERE id = $1`, [
        id,
        cipher.sealJson(credentials),
      ]);
    },

    /** The add-on's credentials, opened; null before it was provisioned. */
    async credentials(id: string): Promise<AddonCredentials | null> {
      const r = await pool.query('SELECT credentials_enc FROM addons WHERE id = $1', [id]);
      const sealed = r.rows[0]?.credentials_enc as Buffer | null | undefined;
      return sealed ? cipher.openJson<AddonCredentials>(sealed) : null;
    },

    async setState(id: string, state: AddonState): Promise<void> {
      await pool.query('UPDATE addons SET state = $2, updated_at = now() WHERE id = $1', [id, state]);
    },

    /** The add-on with this id or (globally unique) name, or null. */
    async find(nameOrId: string): Promise<AddonRecord | null> {
      const r = UUID_RE.test(nameOrId)
        ? await pool.query('SELECT * FROM addons WHERE id = $1', [nameOrId])
        : await pool.query('SELECT * FROM addons WHERE name = $1', [nameOrId]);
      return r.rows[0] ? toAddon(r.rows[0]) : null;
    },

    /** The add-ons an app owns, oldest first. */
    async list(appId: string): Promise<AddonRecord[]> {
      const r = await pool.query('SELECT * FROM addons WHERE app_id = $1 ORDER BY created_at, name', [appId]);
      return r.rows.map(toAddon);
    },

    /** Every add-on (start-up). */
    async all(): Promise<AddonRecord[]> {
      return (await pool.query('SELECT * FROM addons ORDER BY created_at, name')).rows.map(toAddon);
    },

    /** Removes the add-on's row and its attachments. */
    async remove(id: string): Promise<void> {
      await pool.query('DELETE FROM addons WHERE id = $1', [id]);
    },

    /** Attaches an add-on to an app as `name`; null when the app already has an attachment of that name. */
    async attach(input: { addonId: string; appId: string; name: string }): Promise<AddonAttachmentRecord | null> {
      try {
        const r = await pool.query('INSERT INTO addon_attachments (id, addon_id, app_id, name) VALUES ($1, $2, $3, $4) RETURNING *', [
          randomUUID(),
          input.addonId,
          input.appId,
          input.name,
        ]);
        return toAttachment(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },

    /** Removes one attachment. */
    async detach(id: string): Promise<void> {
      await pool.query('DELETE FROM addon_attachments WHERE id = $1', [id]);
    },

    /** The attachments in an app (of its own add-ons and others'), oldest first. */
    async attachments(appId: string): Promise<AddonAttachmentRecord[]> {
      const r = await pool.query('SELECT * FROM addon_attachments WHERE app_id = $1 ORDER BY created_at, name', [appId]);
      return r.rows.map(toAttachment);
    },

    /** One attachment by id, or null. */
    async attachment(id: string): Promise<AddonAttachmentRecord | null> {
      if (!UUID_RE.test(id)) return null;
      const r = await pool.query('SELECT * FROM addon_attachments WHERE id = $1', [id]);
      return r.rows[0] ? toAttachment(r.rows[0]) : null;
    },

    /** The attachment named `name` (`DATABASE`) in an app, or null. */
    async attachmentNamed(appId: string, name: string): Promise<AddonAttachmentRecord | null> {
      const r = await pool.query('SELECT * FROM addon_attachments WHERE app_id = $1 AND name = $2', [appId, name]);
      return r.rows[0] ? toAttachment(r.rows[0]) : null;
    },

    /** The attachments of one add-on, in any app. */
    async attachmentsOf(addonId: string): Promise<AddonAttachmentRecord[]> {
      const r = await pool.query('SELECT * FROM addon_attachments WHERE addon_id = $1 ORDER BY created_at, name', [addonId]);
      return r.rows.map(toAttachment);
    },
  };
}

export type Addons = ReturnType<typeof createAddons>;
