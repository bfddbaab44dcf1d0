import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import { runCli } from '@platform/cli';
import { startDebianPostgres, DEBIAN_POSTGRES_BIN, type DebianPostgres } from '../../../../test/support/debian-postgres.ts';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/**
 * The `pg:backups*` commands against the real API server (the CLI's fetch is answered by the server's inject):
 * the proof in the user's words — rows, capture, a destructive change, restore, rows back — plus
 * download, info, delete and schedules.
 */
let db: TestDatabase;
let pg15: DebianPostgres;
let api: Awaited<ReturnType<typeof testApi>>;
let root: string;
let token: string;

beforeAll(async () => {
  db = await startTestDatabase();
  pg15 = await startDebianPostgres();
  root = await mkdtemp(path.join(tmpdir(), 'pg-backups-cli-'));
  api = await testApi(db.store, {
    addonProviders: [pg15.provider],
    pgBackups: { dir: path.join(root, 'backups'), cipher: db.cipher, pgBinDir: DEBIAN_POSTGRES_BIN, appLog: () => undefined },
  });
  const user = await someUser(db.store);
  token = await db.store.accounts.createToken(user.id, 'cli');
  await db.store.apps.create({ name: 'cli-bk', ownerId: user.id });
});

afterAll(async () => {
  await api?.close();
  await pg15?.stop();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

/** A fetch answered by the API server in this process. */
const injectFetch: typeof fetch = async (input, init) => {
  const url = new URL(String(input));
  const res = await api.app.inject({
    method: (init?.method ?? 'GET') as 'GET',
    url: url.pathname + url.search,
    headers: Object.fromEntries(new Headers(init?.headers).entries()),
    ...(init?.body ? { payload: String(init.body) } : {}),
  });
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, String(v));
  return new Response(res.statusCode === 204 ? null : res.rawPayload, { status: res.statusCode, headers });
};

async function platform(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const env = { PLATFORM_SERVER: 'http://api.test', PLATFORM_API_KEY: token, NO_COLOR: '1', HOME: root };
  const code = await runCli([...args, '-a', 'cli-bk'], { env, cwd: root, stdout, stderr, stdin: new PassThrough(), fetch: injectFetch });
  return { code, stdout: out, stderr: err };
}

async function sql(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

it('captures, lists, restores after a destructive change, downloads, schedules and deletes from the CLI', async () => {
  const addon = (await api.app.inject({ method: 'POST', url: '/apps/cli-bk/addons', headers: { authorization: `Bearer ${token}` }, payload: { plan: 'postgresql' } })).json();
  const url = (await db.store.addons.credentials(addon.id))!.url;
  await sql(url, `CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;`);

  const captured = await platform('pg:backups:capture');
  expect(captured).toMatchObject({ code: 0, stderr: '' });
  expect(captured.stdout).toMatch(/^DATABASE ---backup---> b001\n/);
  expect(captured.stdout).toMatch(/Backing up DATABASE to b001\.\.\. done, [\d.]+kB\n$/);

  const list = await platform('pg:backups');
  expect(list.stdout.split('\n')[0]).toBe('=== Backups');
  expect(list.stdout.split('\n')[1]).toMatch(/^ID\s+Created at\s+Status\s+Size\s+Database$/);
  expect(list.stdout.split('\n')[2]).toMatch(/^b001\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\s+Completed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\s+[\d.]+kB\s+DATABASE$/);
  expect((await platform('pg:backups:info', 'b001')).stdout).toMatch(/^=== Backup b001\nDatabase:\s+DATABASE \(postgresql-/);

  await sql(url, `DROP TABLE items`);
  const refused = await platform('pg:backups:restore', 'b001');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/--confirm cli-bk/);
  expect(await sql(url, `SELECT to_regclass('items') AS t`)).toEqual([{ t: null }]);
  expect((await platform('pg:backups:restore', 'b001', 'DATABASE', '--confirm', 'cli-bk')).code).toBe(0);
  expect(await sql(url, `SELECT count(*)::int AS n FROM items`)).toEqual([{ n: 20 }]);

  const file = path.join(root, 'b001.dump');
  expect((await platform('pg:backups:download', '-o', file)).code).toBe(0);
  expect((await readFile(file)).subarray(0, 5).toString()).toBe('PGDMP');
  expect((await stat(file)).mode & 0o777).toBe(0o600);

  expect((await platform('pg:backups:schedule', '--at', '02:00 UTC')).code).toBe(0);
  expect((await platform('pg:backups:schedules')).stdout).toBe('=== Backup Schedules\nDATABASE_URL: daily at 2:00 UTC\n');
  expect((await platform('pg:backups:unschedule')).code).toBe(0);
  expect((await platform('pg:backups:schedules')).stdout).toMatch(/^No backup schedules on cli-bk/);

  const unknown = await platform('pg:backups:info', 'b404');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/Couldn't find backup "b404" on cli-bk/);
  expect((await platform('pg:backups:delete', 'b001', '--confirm', 'cli-bk')).code).toBe(0);
  expect((await platform('pg:backups')).stdout).toMatch(/No backups/);
});
