import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { startDebianPostgres, DEBIAN_POSTGRES_BIN, type DebianPostgres } from '../../../../test/support/debian-postgres.ts';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';
import type { PgBackupsDeps } from '../../src/services/addon-backups.ts';

/**
 * `pg:backups` through the real API server on a real store, with real pg_dump/pg_restore (Debian's 15) against
 * databases provisioned on Debian's PostgreSQL 15 (see test/support/debian-postgres.ts for why not the process
 * provider's server).
 */
let db: TestDatabase;
let pg15: DebianPostgres;
let api: Awaited<ReturnType<typeof testApi>>;
let root: string;
let user: User;
let headers: Record<string, string>;
let pgBackups: PgBackupsDeps;
const appLog: string[] = [];

beforeAll(async () => {
  db = await startTestDatabase();
  pg15 = await startDebianPostgres();
  root = await mkdtemp(path.join(tmpdir(), 'pg-backups-routes-'));
  await chmod(root, 0o700);
  pgBackups = { dir: path.join(root, 'backups'), cipher: db.cipher, pgBinDir: DEBIAN_POSTGRES_BIN, appLog: (_appId, message) => appLog.push(message) };
  api = await testApi(db.store, { addonProviders: [pg15.provider], pgBackups });
  user = await someUser(db.store);
  headers = await api.auth(user.id);
});

afterAll(async () => {
  await api?.close();
  await pg15?.stop();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, h = headers) =>
  api.app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload: payload as object }) });

/** An app with a PostgreSQL add-on attached as DATABASE; resolves with the add-on and its URL. */
async function appWithDatabase(name: string) {
  await db.store.apps.create({ name, ownerId: user.id });
  const addon = (await call('POST', `/apps/${name}/addons`, { plan: 'postgresql' })).json();
  const url = (await db.store.addons.credentials(addon.id))!.url;
  return { addon, url };
}

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

/** Captures and waits until the backup ended; resolves with its final JSON. */
async function capture(app: string, body: unknown = {}) {
  const started = await call('POST', `/apps/${app}/pg-backups`, body);
  expect(started.statusCode).toBe(202);
  expect(started.json()).toMatchObject({ status: 'running' });
  for (;;) {
    const b = (await call('GET', `/apps/${app}/pg-backups/${started.json().name}`)).json();
    if (b.status !== 'running') return b;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const filesUnder = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true }).catch(() => [])).map(String);

describe('capture, restore, download', () => {
  it('backs up encrypted, restores after a destructive change, and downloads the dump', async () => {
    const { addon, url } = await appWithDatabase('bk-app');
    await sql(url, `CREATE TABLE people (id serial PRIMARY KEY, name text); INSERT INTO people (name) SELECT 'person-row-' || g FROM generate_series(1, 50) g;`);

    const b = await capture('bk-app');
    expect(b).toMatchObject({ name: 'b001', num: 1, kind: 'manual', status: 'succeeded', succeeded: true, error: null, database: 'DATABASE', addon: { id: addon.id, name: addon.name }, app: { name: 'bk-app' } });
    expect(b.size_bytes).toBeGreaterThan(0);
    expect((await call('GET', '/apps/bk-app/pg-backups')).json()).toEqual([b]);
    expect(appLog).toEqual(expect.arrayContaining([expect.stringMatching(/^Backup b001 of DATABASE \(postgresql-.*\) started$/), `Backup b001 of DATABASE completed (${b.size_bytes} bytes)`]));

    // At rest: one file, sealed: not a dump (whose table of contents names the table in clear), no row in it.
    const files = await filesUnder(pgBackups.dir);
    expect(files).toEqual([addon.id, `${addon.id}/${b.id}`]);
    const onDisk = await readFile(path.join(pgBackups.dir, addon.id, b.id));
    for (const clear of ['PGDMP', 'CREATE TABLE', 'people', 'person-row-']) expect(onDisk.includes(Buffer.from(clear))).toBe(false);

    await sql(url, `DELETE FROM people WHERE id > 10; ALTER TABLE people DROP COLUMN name;`);
    const restored = await call('POST', '/apps/bk-app/pg-backups/b001/actions/restore', {});
    expect(restored.statusCode).toBe(200);
    expect(await sql(url, `SELECT count(*)::int AS n, count(name)::int AS named FROM people`)).toEqual([{ n: 50, named: 50 }]);
    // `latest` restores the newest succeeded backup of the database.
    await sql(url, `TRUNCATE people`);
    expect((await call('POST', '/apps/bk-app/pg-backups/latest/actions/restore')).statusCode).toBe(200);
    expect(await sql(url, `SELECT count(*)::int AS n FROM people`)).toEqual([{ n: 50 }]);

    const download = await call('GET', '/apps/bk-app/pg-backups/b001/download');
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toBe('attachment; filename="bk-app-b001.dump"');
    expect(download.rawPayload.length).toBe(b.size_bytes);
    expect(download.rawPayload.subarray(0, 5).toString()).toBe('PGDMP');
    expect(download.rawPayload.includes(Buffer.from('CREATE TABLE public.people'))).toBe(true);
    // The download is a dump pg_restore reads as it is: its table of contents lists the table's data.
    const file = path.join(root, 'downloaded.dump');
    await writeFile(file, download.rawPayload);
    expect(execFileSync(path.join(DEBIAN_POSTGRES_BIN, 'pg_restore'), ['--list', file]).toString()).toMatch(/TABLE DATA public people/);
  });

  it('records a failed backup with its error and says so in the app log; it cannot be restored or downloaded', async () => {
    const { url } = await appWithDatabase('bk-fail');
    await sql(url, `CREATE TABLE t (x int)`);
    await pg15.halt();
    let failed;
    try {
      failed = await capture('bk-fail');
    } finally {
      await pg15.start();
    }
    expect(failed).toMatchObject({ name: 'b001', status: 'failed', succeeded: false, size_bytes: null, error: expect.stringMatching(/^pg_dump exited with status 1: .*connect/) });
    expect(appLog).toContainEqual(expect.stringMatching(/^Backup b001 of DATABASE FAILED: pg_dump exited with status 1/));
    expect(await filesUnder(pgBackups.dir)).not.toContainEqual(expect.stringContaining(failed.id));
    const restore = await call('POST', '/apps/bk-fail/pg-backups/b001/actions/restore');
    expect(restore.statusCode).toBe(422);
    expect(restore.json()).toMatchObject({ id: 'invalid_params', message: 'Backup b001 failed: it cannot be restored.' });
    expect((await call('GET', '/apps/bk-fail/pg-backups/b001/download')).statusCode).toBe(422);
    expect(await sql(url, `SELECT count(*)::int AS n FROM t`)).toEqual([{ n: 0 }]);
  });
});

describe('bad input', () => {
  it('answers 4xx with {id, message} and changes nothing', async () => {
    await appWithDatabase('bk-bad');
    const b = await capture('bk-bad');
    const before = (await call('GET', '/apps/bk-bad/pg-backups')).json();
    const expectError = async (res: Awaited<ReturnType<typeof call>>, status: number, id: string) => {
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ id, message: expect.any(String) });
    };
    await expectError(await call('GET', '/apps/bk-bad/pg-backups/b999'), 404, 'not_found');
    // A capture while one of the same database runs is refused (a `running` row stands for one under way).
    const running = await db.store.addonBackups.create({ addonId: b.addon.id, appId: b.app.id, kind: 'manual', database: 'DATABASE' });
    await expectError(await call('POST', '/apps/bk-bad/pg-backups'), 409, 'conflict');
    await expectError(await call('DELETE', `/apps/bk-bad/pg-backups/${running.num}`), 409, 'conflict');
    await db.store.addonBackups.remove(running.id);
    // A backup whose file went missing on the server: 404, saying so.
    const lost = await capture('bk-bad');
    await rm(path.join(pgBackups.dir, lost.addon.id, lost.id));
    await expectError(await call('GET', `/apps/bk-bad/pg-backups/${lost.name}/download`), 404, 'not_found');
    await expectError(await call('POST', `/apps/bk-bad/pg-backups/${lost.name}/actions/restore`), 404, 'not_found');
    await call('DELETE', `/apps/bk-bad/pg-backups/${lost.name}`);
    await expectError(await call('GET', '/apps/bk-bad/pg-backups/a001'), 404, 'not_found'); // b001 exists, a001 not
    await expectError(await call('GET', '/apps/bk-bad/pg-backups/..%2F..%2Fetc'), 404, 'not_found');
    await expectError(await call('POST', '/apps/bk-bad/pg-backups/b999/actions/restore'), 404, 'not_found');
    await expectError(await call('DELETE', '/apps/bk-bad/pg-backups/b999'), 404, 'not_found');
    await expectError(await call('POST', '/apps/bk-bad/pg-backups', { database: 'NOPE' }), 404, 'not_found');
    await expectError(await call('POST', '/apps/bk-bad/pg-backups', { database: 42 }), 422, 'invalid_params');
    await expectError(await call('PUT', '/apps/bk-bad/pg-backup-schedules/DATABASE', { at: '25:00 UTC' }), 422, 'invalid_params');
    await expectError(await call('PUT', '/apps/bk-bad/pg-backup-schedules/DATABASE', { at: '02:00 America/New_York' }), 422, 'invalid_params');
    await expectError(await call('PUT', '/apps/bk-bad/pg-backup-schedules/DATABASE', { at: '02:30' }), 422, 'invalid_params');
    await expectError(await call('DELETE', '/apps/bk-bad/pg-backup-schedules/DATABASE'), 404, 'not_found');

    // Another user: the app does not exist for them, whatever they try.
    const other = await api.auth((await someUser(db.store)).id);
    for (const [method, url] of [
      ['GET', '/apps/bk-bad/pg-backups'],
      ['POST', '/apps/bk-bad/pg-backups'],
      ['GET', `/apps/bk-bad/pg-backups/${b.name}`],
      ['GET', `/apps/bk-bad/pg-backups/${b.name}/download`],
      ['POST', `/apps/bk-bad/pg-backups/${b.name}/actions/restore`],
      ['DELETE', `/apps/bk-bad/pg-backups/${b.name}`],
      ['PUT', '/apps/bk-bad/pg-backup-schedules/DATABASE'],
    ] as const) {
      await expectError(await call(method, url, method === 'PUT' ? { at: '02:00' } : undefined, other), 404, 'not_found');
    }
    expect((await call('GET', '/apps/bk-bad/pg-backups')).json()).toEqual(before);
    expect((await call('GET', '/apps/bk-bad/pg-backup-schedules')).json()).toEqual([]);
  });
});

describe('delete and destroy', () => {
  it('pg:backups:delete removes the row and the file; destroying the add-on or the app leaves no backup behind', async () => {
    const { addon } = await appWithDatabase('bk-gone');
    const first = await capture('bk-gone');
    await capture('bk-gone');
    expect((await call('DELETE', `/apps/bk-gone/pg-backups/${first.name}`)).statusCode).toBe(200);
    expect((await call('GET', '/apps/bk-gone/pg-backups')).json().map((x: { name: string }) => x.name)).toEqual(['b002']);
    expect(await filesUnder(path.join(pgBackups.dir, addon.id))).toHaveLength(1);
    // Numbers are never reused: with the newest deleted, the next backup is b003, not b002 again.
    expect((await call('DELETE', '/apps/bk-gone/pg-backups/b002')).statusCode).toBe(200);
    expect(await capture('bk-gone')).toMatchObject({ name: 'b003', status: 'succeeded' });
    expect(await filesUnder(path.join(pgBackups.dir, addon.id))).toHaveLength(1);
    expect((await call('PUT', '/apps/bk-gone/pg-backup-schedules/DATABASE', { at: '03:00 UTC' })).statusCode).toBe(200);

    expect((await call('DELETE', `/addons/${addon.id}`)).statusCode).toBe(200);
    expect(await filesUnder(pgBackups.dir)).not.toContainEqual(expect.stringContaining(addon.id));
    expect(await db.store.addonBackups.list((await db.store.apps.find('bk-gone'))!.id)).toEqual([]);
    expect(await db.store.addonBackups.allSchedules()).not.toContainEqual(expect.objectContaining({ addonId: addon.id }));

    const second = await appWithDatabase('bk-gone-app');
    await capture('bk-gone-app');
    const appId = (await db.store.apps.find('bk-gone-app'))!.id;
    expect((await call('DELETE', '/apps/bk-gone-app')).statusCode).toBe(200);
    expect(await filesUnder(pgBackups.dir)).not.toContainEqual(expect.stringContaining(second.addon.id));
    expect(await db.store.addonBackups.list(appId)).toEqual([]);
  });
});
