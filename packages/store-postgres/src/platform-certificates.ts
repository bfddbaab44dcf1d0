import type pg from 'pg';
import type { Cipher } from '@platform/secrets';

/** A certificate of one of the platform's own hostnames (not an app's): chain PEM (leaf first), key PEM, expiry. */
export interface PlatformCertificateRecord {
  hostname: string;
  chainPem: string;
  keyPem: string;
  expiresAt: Date;
}

/**
 * Certificates of the platform's own hostnames, one per hostname (migration 020): today the API hostname's
 * automatic certificate. The private key is sealed with the store's cipher and opened on read.
 */
export function createPlatformCertificates(pool: pg.Pool, cipher: Cipher) {
  return {
    /** The certificate kept for `hostname` (lower-case), or null. */
    async get(hostname: string): Promise<PlatformCertificateRecord | null> {
      const r = await pool.query('SELECT * FROM platform_certificates WHERE hostname = $1', [hostname]);
      const row = r.rows[0];
      if (!row) return null;
      return {
        hostname,
        chainPem: row.certificate_chain as string,
        keyPem: cipher.open(row.private_key_enc as Buffer).toString('utf8'),
        expiresAt: row.expires_at as Date,
      };
    },
    /** Stores (or replaces) the certificate of `record.hostname`. */
    async save(record: PlatformCertificateRecord): Promise<void> {
      await pool.query(
        `INSERT INTO platform_certificates (hostname, certificate_chain, private_key_enc, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (hostname) DO UPDATE SET certificate_chain = EXCLUDED.certificate_chain,
             private_key_enc = EXCLUDED.private_key_enc, expires_at = EXCLUDED.expires_at, updated_at = now()`,
        [record.hostname, record.chainPem, cipher.seal(Buffer.from(record.keyPem, 'utf8')), record.expiresAt],
      );
    },
  };
}
