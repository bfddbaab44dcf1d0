import type pg from 'pg';
import type { Cipher } from '@platform/secrets';

/** The platform's ACME account at one directory URL: its key (decrypted) and account URL. */
export interface AcmeAccountRecord {
  directoryUrl: string;
  keyPem: string;
  accountUrl: string | null;
}

/** ACME accounts, one per directory URL; the key sealed with the store's cipher (migration 004). */
export function createAcmeAccounts(pool: pg.Pool, cipher: Cipher) {
  return {
    async get(directoryUrl: string): Promise<AcmeAccountRecord | null> {
      const r = await pool.query('SELECT * FROM acme_accounts WHERE directory_url = $1', [directoryUrl]);
      const row = r.rows[0];
      return row ? { directoryUrl, keyPem: cipher.open(row.key_enc as Buffer).toString('utf8'), accountUrl: (row.account_url as string | null) ?? null } : null;
    },
    /** Stores (or replaces) the account of `directoryUrl`. */
    async save(account: AcmeAccountRecord): Promise<void> {
      await pool.query(
        `INSERT INTO acme_accounts (directory_url, key_enc, account_url) VALUES ($1, $2, $3)
           ON CONFLICT (directory_url) DO UPDATE SET key_enc = EXCLUDED.key_enc, account_url = EXCLUDED.account_url`,
        [account.directoryUrl, cipher.seal(Buffer.from(account.keyPem, 'utf8')), account.accountUrl],
      );
    },
  };
}
