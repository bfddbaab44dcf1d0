import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** Something that runs SQL (a `pg` client or pool): the kit does not depend on a driver. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

const IDENT_RE = /^addon_[0-9a-f]{32}$/;

function ident(name: string): string {
  // Every identifier is built by addonResourceName; anything else is a bug, never quoted into SQL.
  if (!IDENT_RE.test(name)) throw new Error(`refusing an unexpected identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * PostgreSQL's SCRAM-SHA-256 verifier for a password (RFC 5802/7677, as `pg_authid` stores it). Roles get their
 * password as this verifier, so the clear password never travels in an SQL statement, where a failing statement
 * would print it into the server's log.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The databases every server has that no add-on role may connect to. */
const SHARED_DATABASES = ['postgres', 'template1'];

/**
 * Closes a fresh server to add-on roles: nobody but the superuser may connect to the databases it came with
 * (and to `extra`, e.g. the superuser's own database). Run once after each start; it is idempotent.
 */
export async function lockSharedDatabases(sql: SqlRunner, extra: readonly string[] = []): Promise<void> {
  for (const db of [...SHARED_DATABASES, ...extra]) {
    const found = await sql.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    if (found.rows.length === 0) continue;
    if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`refusing an unexpected database name ${JSON.stringify(db)}`);
    await sql.query(`REVOKE CONNECT, TEMPORARY ON DATABASE "${db}" FROM PUBLIC`);
  }
}

/**
 * Creates (or, when they exist, re-keys) an add-on's role and its own database, owned by the role. No other role
 * may connect to it (`REVOKE CONNECT … FROM PUBLIC`; the owner keeps its rights). Idempotent.
 */
export async function ensureDatabase(sql: SqlRunner, name: string, password: string): Promise<void> {
  const verifier = scramVerifier(password);
  const role = await sql.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  // A verifier holds only base64, digits, `$`, `:` and `=`: safe between quotes (DDL takes no parameters).
  const literal = `'${verifier}'`;
  if (role.rows.length === 0) {
    await sql.query(`CREATE ROLE ${ident(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 20 PASSWORD ${literal}`);
  } else {
    await sql.query(`ALTER ROLE ${ident(name)} PASSWORD ${literal}`);
  }
  const db = await sql.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (db.rows.length === 0) await sql.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  await sql.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${ident(name)} FROM PUBLIC`);
}

/** Gives the role a new password and ends its open sessions, so the old password stops working at once. */
export async function rotatePassword(sql: SqlRunner, name: string, password: string): Promise<void> {
  await sql.query(`ALTER ROLE ${ident(name)} PASSWORD '${scramVerifier(password)}'`);
  await sql.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [name]);
}

/** Drops an add-on's database (ending its sessions) and its role. Dropping what is gone succeeds. */
export async function dropDatabase(sql: SqlRunner, name: string): Promise<void> {
  await sql.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 OR datname = $1', [name]);
  await sql.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  await sql.query(`DROP ROLE IF EXISTS ${ident(name)}`);
}

/** Whether the add-on's role and database both exist. */
export async function databaseExists(sql: SqlRunner, name: string): Promise<boolean> {
  const r = await sql.query(
    'SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1) AS roles, (SELECT count(*) FROM pg_database WHERE datname = $1) AS dbs',
    [name],
  );
  return Number(r.rows[0]?.roles) === 1 && Number(r.rows[0]?.dbs) === 1;
}

/** `postgres://<name>:<password>@<host>:<port>/<name>` (the password is base64url: nothing to escape, but escaped anyway). */
export function postgresUrl(options: { host: string; port: number; name: string; password: string }): string {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return `postgres://${options.name}:${encodeURIComponent(options.password)}@${host}:${options.port}/${options.name}`;
}
