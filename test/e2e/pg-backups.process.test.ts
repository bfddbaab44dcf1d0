import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform } from '../support/cli.ts';

/**
 * `pg:backups` in a real platformd (process runtime) through the real CLI: the proof (rows, a capture, a
 * destructive change, a restore, the rows are back) on the add-on server, which runs Debian's PostgreSQL 15 like
 * Debian's pg_dump 15 (prerequisites: postgresql-15); the wiring (routes, the scheduler, the app's log stream), a
 * schedule that survives a restart, and a destroyed app that leaves no backup on disk. (A capture of a PostgreSQL
 * 17 cluster failing with the hint is apps/server/test/routes/pg-backups-process.test.ts's.)
 */
async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

describe('pg:backups (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let cwd: string;
  const app = 'bk-e2e';
  const cli = (args: string[]) => platform([...args, '-a', app], { cwd, env: { ...env, PLATFORM_SERVER: server.apiUrl } });

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    cwd = await mkdtemp(path.join(tmpdir(), 'bk-e2e-'));
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await platform(['apps:create', app], { cwd, env })).code).toBe(0);
    const created = await cli(['addons:create', 'heroku-postgresql']);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    if (cwd) await rm(cwd, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('captures, restores after a destructive change, keeps a schedule across a restart, and apps:destroy leaves no backup', async () => {
    const url = (await cli(['config:get', 'DATABASE_URL'])).stdout.trim();
    expect(await sql(url, 'SHOW server_version')).toEqual([{ server_version: expect.stringMatching(/^15\./) }]);
    await sql(url, `CREATE TABLE notes (body text); INSERT INTO notes VALUES ('first'), ('second')`);

    const capture = await cli(['pg:backups:capture']);
    expect(capture.code, capture.stderr).toBe(0);
    expect(capture.stdout).toMatch(/^DATABASE ---backup---> b001\n/);
    const list = await cli(['pg:backups', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'b001', status: 'succeeded', error: null })]);

    await sql(url, `DROP TABLE notes`);
    const restore = await cli(['pg:backups:restore', 'b001', 'DATABASE', '--confirm', app]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await sql(url, 'SELECT body FROM notes ORDER BY body')).toEqual([{ body: 'first' }, { body: 'second' }]);
    const logs = await cli(['logs', '-n', '100']);
    expect(logs.stdout).toMatch(/ app\[pg-backups\]: Backup b001 of DATABASE \(postgresql-[a-z]+-\d+\) started/);
    expect(logs.stdout).toMatch(/ app\[pg-backups\]: Backup b001 of DATABASE completed \(\d+ bytes\)/);
    expect(logs.stdout).toMatch(/ app\[pg-backups\]: Restore of b001 into DATABASE completed/);

    expect((await cli(['pg:backups:schedule', '--at', '03:00 UTC'])).code).toBe(0);
    await server.stop();
    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    const schedules = await cli(['pg:backups:schedules']);
    expect(schedules.stdout).toBe('=== Backup Schedules\nDATABASE_URL: daily at 3:00 UTC\n');
    expect(JSON.parse((await cli(['pg:backups', '--json'])).stdout)).toEqual([expect.objectContaining({ name: 'b001' })]);

    const destroyed = await cli(['apps:destroy', '--confirm', app]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(await readdir(path.join(server.dataDir, 'backups'))).toEqual([]);
  });
});
