import { randomUUID, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { ErrorCodes, PlatformError } from '@platform/types';
import { generateToken, hashToken } from '@platform/secrets';
import type { TokenRecord, User, UserRecord } from './records.ts';
import { isUniqueViolation } from './tx.ts';

const USER_COLUMNS =
  'u.id, u.email, u.is_admin, u.password_hash IS NOT NULL AS has_password, u.invite_expires_at, u.disabled_at, u.created_at, u.updated_at';
const TOKEN_COLUMNS = 't.id, t.user_id, t.description, t.created_at, t.expires_at, t.last_used_at';
/** last_used_at is written at most this often per token (a busy token would otherwise write on every request). */
const TOUCH_INTERVAL = '1 minute';

function toUser(r: Record<string, unknown>): UserRecord {
  return {
    id: r.id as string,
    email: r.email as string,
    isAdmin: r.is_admin as boolean,
    hasPassword: r.has_password as boolean,
    inviteExpiresAt: (r.invite_expires_at as Date | null) ?? null,
    disabledAt: (r.disabled_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

function toToken(r: Record<string, unknown>): TokenRecord {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    description: r.description as string,
    createdAt: r.created_at as Date,
    expiresAt: (r.expires_at as Date | null) ?? null,
    lastUsedAt: (r.last_used_at as Date | null) ?? null,
  };
}

const plain = (u: UserRecord): User => ({ id: u.id, email: u.email, isAdmin: u.isAdmin });

/** Users (live ones: a removed user is kept for the history that names it, but found by nothing here) and API tokens. */
export function createAccounts(pool: pg.Pool) {
  return {
    /** Returns the live user with this e-mail, creating it if needed. */
    async ensureUser(email: string, options: { admin?: boolean } = {}): Promise<User> {
      const r = await pool.query(
        `INSERT INTO users (id, email, is_admin) VALUES ($1, $2, $3)
         ON CONFLICT (email) WHERE removed_at IS NULL DO UPDATE SET is_admin = users.is_admin OR EXCLUDED.is_admin
         RETURNING id, email, is_admin AS "isAdmin"`,
        [randomUUID(), email, options.admin ?? false],
      );
      return r.rows[0] as User;
    },

    /**
     * Creates a user with a password hash, or with an invitation (the sha256 of a one-time code and its expiry).
     *
     * @throws PLT_USER_EXISTS when a live user has this e-mail.
     */
    async createUser(input: { email: string; admin?: boolean; passwordHash?: string; invite?: { hash: Buffer; expiresAt: Date } }): Promise<UserRecord> {
      try {
        const r = await pool.query(
          `INSERT INTO users AS u (id, email, is_admin, password_hash, invite_hash, invite_expires_at) VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING ${USER_COLUMNS}`,
          [randomUUID(), input.email, input.admin ?? false, input.passwordHash ?? null, input.invite?.hash ?? null, input.invite?.expiresAt ?? null],
        );
        return toUser(r.rows[0]);
      } catch (err) {
        if (isUniqueViolation(err)) throw new PlatformError(ErrorCodes.userExists, `${input.email} is already a user.`);
        throw err;
      }
    },

    /** Live users by e-mail. */
    async listUsers(): Promise<UserRecord[]> {
      const r = await pool.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.removed_at IS NULL ORDER BY u.email`);
      return r.rows.map(toUser);
    },

    /** A live user by id or e-mail (case-insensitive e-mail), or null. */
    async findUser(idOrEmail: string): Promise<UserRecord | null> {
      const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrEmail);
      const r = await pool.query(
        `SELECT ${USER_COLUMNS} FROM users u WHERE u.removed_at IS NULL AND ${byId ? 'u.id = $1::uuid' : 'lower(u.email) = lower($1)'}`,
        [idOrEmail],
      );
      return r.rows[0] ? toUser(r.rows[0]) : null;
    },

    /** The live user with this e-mail and its password hash (null when none is set), for a password login. */
    async passwordOf(email: string): Promise<{ user: UserRecord; hash: string | null } | null> {
      const r = await pool.query(`SELECT ${USER_COLUMNS}, u.password_hash FROM users u WHERE u.removed_at IS NULL AND lower(u.email) = lower($1)`, [email]);
      return r.rows[0] ? { user: toUser(r.rows[0]), hash: (r.rows[0].password_hash as string | null) ?? null } : null;
    },

    /** Sets a live user's password hash. */
    async setPassword(userId: string, passwordHash: string): Promise<void> {
      await pool.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND removed_at IS NULL', [userId, passwordHash]);
    },

    /** Disables or re-enables a user; a disabled user's tokens and password stop working. */
    async setDisabled(userId: string, disabled: boolean): Promise<UserRecord | null> {
      const r = await pool.query(
        `UPDATE users u SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END, updated_at = now()
         WHERE u.id = $1 AND u.removed_at IS NULL RETURNING ${USER_COLUMNS}`,
        [userId, disabled],
      );
      return r.rows[0] ? toUser(r.rows[0]) : null;
    },

    /**
     * Removes a user: its tokens, invitation, password and collaborations go; the row stays for the releases and
     * builds that name it, and its e-mail is free again. The caller checks it owns no app.
     */
    async removeUser(userId: string): Promise<void> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('DELETE FROM api_tokens WHERE user_id = $1', [userId]);
        await client.query('DELETE FROM collaborators WHERE user_id = $1', [userId]);
        await client.query(
          `UPDATE users SET removed_at = now(), updated_at = now(), password_hash = NULL, invite_hash = NULL, invite_expires_at = NULL WHERE id = $1`,
          [userId],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },

    /** The live user an unexpired invitation code (by its sha256) was made for, or null. */
    async findInvite(codeHash: Buffer): Promise<UserRecord | null> {
      const r = await pool.query(
        `SELECT ${USER_COLUMNS} FROM users u WHERE u.invite_hash = $1 AND u.invite_expires_at > now() AND u.removed_at IS NULL AND u.disabled_at IS NULL`,
        [codeHash],
      );
      return r.rows[0] ? toUser(r.rows[0]) : null;
    },

    /**
     * Redeems an invitation once: sets the password and forgets the code, if the code is known and unexpired.
     * Null otherwise (nothing changed).
     */
    async acceptInvite(codeHash: Buffer, passwordHash: string): Promise<UserRecord | null> {
      const r = await pool.query(
        `UPDATE users u SET password_hash = $2, invite_hash = NULL, invite_expires_at = NULL, updated_at = now()
         WHERE u.invite_hash = $1 AND u.invite_expires_at > now() AND u.removed_at IS NULL AND u.disabled_at IS NULL
         RETURNING ${USER_COLUMNS}`,
        [codeHash, passwordHash],
      );
      return r.rows[0] ? toUser(r.rows[0]) : null;
    },

    async countTokens(): Promise<number> {
      const r = await pool.query('SELECT count(*)::int AS n FROM api_tokens');
      return r.rows[0].n as number;
    },

    /** Creates a new random token for the user and returns it; only its hash is stored. */
    async createToken(userId: string, description: string, options: { expiresAt?: Date | null } = {}): Promise<string> {
      return (await this.issueToken(userId, description, options)).token;
    },

    /** Like createToken, with the stored record (for `/oauth/authorizations`). */
    async issueToken(userId: string, description: string, options: { expiresAt?: Date | null } = {}): Promise<{ token: string; record: TokenRecord }> {
      const token = generateToken();
      const r = await pool.query(
        `INSERT INTO api_tokens AS t (id, user_id, token_hash, description, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${TOKEN_COLUMNS}`,
        [randomUUID(), userId, hashToken(token), description, options.expiresAt ?? null],
      );
      return { token, record: toToken(r.rows[0]) };
    },

    /** Stores a token given by configuration (by hash); idempotent. */
    async addTokenHash(userId: string, hash: Buffer, description: string): Promise<void> {
      await pool.query(
        `INSERT INTO api_tokens (id, user_id, token_hash, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_hash) DO NOTHING`,
        [randomUUID(), userId, hash, description],
      );
    },

    /** The user's tokens, oldest first (no secret: only hashes are stored). */
    async listTokens(userId: string): Promise<TokenRecord[]> {
      const r = await pool.query(`SELECT ${TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at, t.id`, [userId]);
      return r.rows.map(toToken);
    },

    /** Deletes one of the user's tokens; returns it, or null when the user has no such token. */
    async revokeToken(userId: string, tokenId: string): Promise<TokenRecord | null> {
      const r = await pool.query(`DELETE FROM api_tokens t WHERE t.user_id = $1 AND t.id::text = $2 RETURNING ${TOKEN_COLUMNS}`, [userId, tokenId]);
      return r.rows[0] ? toToken(r.rows[0]) : null;
    },

    /**
     * The live, enabled user owning this unexpired token and the token's id, or null. The lookup is an index probe
     * by sha256 (which leaks nothing useful about the token); the stored hash is then compared in constant time.
     */
    async authenticate(token: string): Promise<{ user: User; tokenId: string } | null> {
      const hash = hashToken(token);
      const r = await pool.query(
        `SELECT t.id AS token_id, t.token_hash, ${USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.disabled_at IS NULL AND u.removed_at IS NULL`,
        [hash],
      );
      const row = r.rows[0] as Record<string, unknown> | undefined;
      if (!row || !timingSafeEqual(row.token_hash as Buffer, hash)) return null;
      const tokenId = row.token_id as string;
      void pool
        .query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '${TOUCH_INTERVAL}')`, [tokenId])
        .catch(() => undefined);
      return { user: plain(toUser(row)), tokenId };
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
