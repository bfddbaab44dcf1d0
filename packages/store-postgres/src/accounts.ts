import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { generateToken, hashToken } from '@platform/secrets';
import type { User } from './records.ts';

export function createAccounts(pool: pg.Pool) {
  return {
    /** Returns the user with this e-mail, creating it if needed. */
    async ensureUser(email: string, options: { admin?: boolean } = {}): Promise<User> {
      const r = await pool.query(
        `INSERT INTO users (id, email, is_admin) VALUES ($1, $2, $3)
         ON CONFLICT (email) DO UPDATE SET is_admin = users.is_admin OR EXCLUDED.is_admin
         RETURNING id, email, is_admin AS "isAdmin"`,
        [randomUUID(), email, options.admin ?? false],
      );
      return r.rows[0] as User;
    },

    async countTokens(): Promise<number> {
      const r = await pool.query('SELECT count(*)::int AS n FROM api_tokens');
      return r.rows[0].n as number;
    },

    /** Creates a new random token for the user and returns it; only its hash is stored. */
    async createToken(userId: string, description: string): Promise<string> {
      const token = generateToken();
      await this.addTokenHash(userId, hashToken(token), description);
      return token;
    },

    /** Stores a token given by configuration (by hash); idempotent. */
    async addTokenHash(userId: string, hash: Buffer, description: string): Promise<void> {
      await pool.query(
        `INSERT INTO api_tokens (id, user_id, token_hash, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_hash) DO NOTHING`,
        [randomUUID(), userId, hash, description],
      );
    },

    /** The user owning this token, or null. The lookup is by sha256, an index probe that leaks nothing useful. */
    async authenticate(token: string): Promise<User | null> {
      const r = await pool.query(
        `SELECT u.id, u.email, u.is_admin AS "isAdmin" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
        [hashToken(token)],
      );
      return (r.rows[0] as User | undefined) ?? null;
    },
  };
}
