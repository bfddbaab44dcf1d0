import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Cipher } from '@platform/secrets';
import { PlatformError, ErrorCodes } from '@platform/types';
import { isUniqueViolation } from './tx.ts';

/** What is stored for a checked certificate (the server parses and checks it first). */
export interface SniEndpointInput {
  /** Leaf first, then the intermediates (PEM). */
  chainPem: string;
  keyPem: string;
  /** SAN DNS names, lower-case. */
  domains: string[];
  subject: string;
  issuer: string;
  selfSigned: boolean;
  startsAt: Date;
  expiresAt: Date;
}

/** An uploaded certificate (Heroku's SNI endpoint), migration 004. The key is decrypted only when read. */
export interface SniEndpointRecord extends SniEndpointInput {
  id: string;
  appId: string;
  /** `adjective-noun-1234`, unique. */
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SNI endpoints. The private key is sealed with the store's cipher before it reaches a row.
 *
 *   const ep = await store.sniEndpoints.create(app.id, 'brave-otter-1234', parsed);
 */
export function createSniEndpoints(pool: pg.Pool, cipher: Cipher) {
  const toEndpoint = (r: Record<string, unknown>): SniEndpointRecord => ({
    id: r.id as string,
    appId: r.app_id as string,
    name: r.name as string,
    chainPem: r.certificate_chain as string,
    keyPem: cipher.open(r.private_key_enc as Buffer).toString('utf8'),
    domains: r.cert_domains as string[],
    subject: r.subject as string,
    issuer: r.issuer as string,
    selfSigned: r.self_signed as boolean,
    startsAt: r.starts_at as Date,
    expiresAt: r.expires_at as Date,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  });
  const values = (c: SniEndpointInput) => [
    c.chainPem,
    cipher.seal(Buffer.from(c.keyPem, 'utf8')),
    c.domains,
    c.subject,
    c.issuer,
    c.selfSigned,
    c.startsAt,
    c.expiresAt,
  ];

  return {
    async list(appId: string): Promise<SniEndpointRecord[]> {
      const r = await pool.query('SELECT * FROM sni_endpoints WHERE app_id = $1 ORDER BY created_at, id', [appId]);
      return r.rows.map(toEndpoint);
    },

    /** Every app's endpoints (what the edge serves). */
    async all(): Promise<SniEndpointRecord[]> {
      return (await pool.query('SELECT * FROM sni_endpoints ORDER BY created_at, id')).rows.map(toEndpoint);
    },

    /** An endpoint of the app by id or name, or null. */
    async find(appId: string, idOrName: string): Promise<SniEndpointRecord | null> {
      const r = UUID_RE.test(idOrName)
        ? await pool.query('SELECT * FROM sni_endpoints WHERE app_id = $1 AND id = $2', [appId, idOrName])
        : await pool.query('SELECT * FROM sni_endpoints WHERE app_id = $1 AND name = $2', [appId, idOrName]);
      return r.rows[0] ? toEndpoint(r.rows[0]) : null;
    },

    /** Stores a new endpoint; PLT_CONFLICT when `name` is taken (the caller picks another). */
    async create(appId: string, name: string, cert: SniEndpointInput): Promise<SniEndpointRecord> {
      try {
        const r = await pool.query(
          `INSERT INTO sni_endpoints (id, app_id, name, certificate_chain, private_key_enc, cert_domains, subject, issuer,
             self_signed, starts_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
          [randomUUID(), appId, name, ...values(cert)],
        );
        return toEndpoint(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) throw new PlatformError(ErrorCodes.conflict, `The endpoint name ${name} is taken.`, { details: { name } });
        throw err;
      }
    },

    /** Replaces an endpoint's certificate and key; the record after, or null when absent. */
    async replace(id: string, cert: SniEndpointInput): Promise<SniEndpointRecord | null> {
      const r = await pool.query(
        `UPDATE sni_endpoints SET certificate_chain = $2, private_key_enc = $3, cert_domains = $4, subject = $5, issuer = $6,
           self_signed = $7, starts_at = $8, expires_at = $9, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, ...values(cert)],
      );
      return r.rows[0] ? toEndpoint(r.rows[0]) : null;
    },

    async remove(id: string): Promise<void> {
      await pool.query('DELETE FROM sni_endpoints WHERE id = $1', [id]);
    },
  };
}

export type SniEndpoints = ReturnType<typeof createSniEndpoints>;
