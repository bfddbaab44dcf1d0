import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import { PlatformError, ErrorCodes } from '@platform/types';
import { isUniqueViolation } from './tx.ts';

/** ACM state of one domain (Heroku's `acm_status` values this platform uses). */
export type AcmStatus = 'pending' | 'cert issued' | 'failing';

/** A custom domain of an app (migration 004). */
export interface DomainRecord {
  id: string;
  appId: string;
  /** Lower-case, punycode, no trailing dot; `*.example.com` for a wildcard. */
  hostname: string;
  acmStatus: AcmStatus | null;
  acmStatusReason: string | null;
  /** The automatic certificate, when one was issued: chain PEM, its key (decrypted), its expiry. */
  acmCertificate: { chainPem: string; keyPem: string; expiresAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Custom domains. Callers validate hostnames first (the server's `normalizeHostname`); the unique index keeps
 * a hostname on one app: adding a taken one throws PLT_DOMAIN_TAKEN.
 *
 *   const d = await store.domains.add(app.id, 'www.example.com');
 */
export function createDomains(pool: pg.Pool, cipher: Cipher) {
  const toDomain = (r: Record<string, unknown>): DomainRecord => ({
    id: r.id as string,
    appId: r.app_id as string,
    hostname: r.hostname as string,
    acmStatus: (r.acm_status as AcmStatus | null) ?? null,
    acmStatusReason: (r.acm_status_reason as string | null) ?? null,
    acmCertificate:
      r.acm_certificate_chain && r.acm_private_key_enc
        ? {
            chainPem: r.acm_certificate_chain as string,
            keyPem: cipher.open(r.acm_private_key_enc as Buffer).toString('utf8'),
            expiresAt: r.acm_expires_at as Date,
          }
        : null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  });

  return {
    async list(appId: string): Promise<DomainRecord[]> {
      const r = await pool.query('SELECT * FROM domains WHERE app_id = $1 ORDER BY created_at, hostname', [appId]);
      return r.rows.map(toDomain);
    },

    /** Every app's domains (start-up, renewals). */
    async all(): Promise<DomainRecord[]> {
      return (await pool.query('SELECT * FROM domains ORDER BY created_at, hostname')).rows.map(toDomain);
    },

    /** The domain with this hostname on any app, or null. */
    async byHostname(hostname: string): Promise<DomainRecord | null> {
      const r = await pool.query('SELECT * FROM domains WHERE hostname = $1', [hostname]);
      return r.rows[0] ? toDomain(r.rows[0]) : null;
    },

    /** A domain of the app by hostname or id, or null. */
    async find(appId: string, hostnameOrId: string): Promise<DomainRecord | null> {
      const r = UUID_RE.test(hostnameOrId)
        ? await pool.query('SELECT * FROM domains WHERE app_id = $1 AND id = $2', [appId, hostnameOrId])
        : await pool.query('SELECT * FROM domains WHERE app_id = $1 AND hostname = $2', [appId, hostnameOrId]);
      return r.rows[0] ? toDomain(r.rows[0]) : null;
    },

    /** Adds a domain; `acmStatus` 'pending' when the app has ACM on. PLT_DOMAIN_TAKEN when any app has it. */
    async add(appId: string, hostname: string, acmStatus: AcmStatus | null = null): Promise<DomainRecord> {
      try {
        const r = await pool.query('INSERT INTO domains (id, app_id, hostname, acm_status) VALUES ($1, $2, $3, $4) RETURNING *', [
          randomUUID(),
          appId,
          hostname,
          acmStatus,
        ]);
        return toDomain(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new PlatformError(ErrorCodes.domainTaken, `${hostname} is already in use by an app.`, { details: { hostname } });
        }
        throw err;
      }
    },

    /** Removes a domain of the app by hostname or id; returns it, or null when absent. */
    async remove(appId: string, hostnameOrId: string): Promise<DomainRecord | null> {
      const found = await this.find(appId, hostnameOrId);
      if (!found) return null;
      await pool.query('DELETE FROM domains WHERE id = $1', [found.id]);
      return found;
    },

    /** Records an ACM state change (and, with `certificate`, the issued certificate, its key sealed). */
    async setAcm(
      id: string,
      state: { status: AcmStatus | null; reason?: string | null; certificate?: { chainPem: string; keyPem: string; expiresAt: Date } | null },
    ): Promise<void> {
      const cert = state.certificate;
      if (cert === undefined) {
        await pool.query('UPDATE domains SET acm_status = $2, acm_status_reason = $3, updated_at = now() WHERE id = $1', [id, state.status, state.reason ?? null]);
        return;
      }
      await pool.query(
        `UPDATE domains SET acm_status = $2, acm_status_reason = $3, acm_certificate_chain = $4, acm_private_key_enc = $5,
           acm_expires_at = $6, updated_at = now() WHERE id = $1`,
        [id, state.status, state.reason ?? null, cert?.chainPem ?? null, cert ? cipher.seal(Buffer.from(cert.keyPem, 'utf8')) : null, cert?.expiresAt ?? null],
      );
    },
  };
}

export type Domains = ReturnType<typeof createDomains>;
