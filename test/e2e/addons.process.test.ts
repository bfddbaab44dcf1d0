import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { canConnectPostgres } from '../support/postgres-client.ts';

/**
 * PostgreSQL add-ons on the process runtime, as a user meets them (issue 17): `addons:create` attaches a real
 * database as DATABASE_URL, the release phase migrates it, the web dyno reads and writes rows through it; a second
 * add-on is another database its credentials alone open; destroying an add-on or the app leaves no database or role.
 */
describe('PostgreSQL add-ons (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const cli = (args: string[]) => platform(args, { cwd: repo, env });

  /** The add-on server's superuser view: which add-on databases and roles exist. */
  async function addonObjects(): Promise<{ databases: string[]; roles: string[] }> {
    const dir = path.join(server.dataDir, 'addons');
    const password = (await readFile(path.join(dir, 'postgres.password'), 'utf8')).trim();
    const port = Number((await readFile(path.join(dir, 'postgres.port'), 'utf8')).trim());
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'platform', password, database: 'postgres' });
    await client.connect();
    try {
      const dbs = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'addon\\_%' ORDER BY 1`);
      const roles = await client.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'addon\\_%' ORDER BY 1`);
      return { databases: dbs.rows.map((r) => r.datname as string), roles: roles.rows.map((r) => r.rolname as string) };
    } finally {
      await client.end();
    }
  }


  async function configVars(): Promise<Record<string, string>> {
    const r = await cli(['config', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  }

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    repo = await fixtureRepo('addon-pg-app', env);
    const created = await cli(['apps:create', 'addon-pg']);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('attaches a database as DATABASE_URL that the release phase migrates and the app writes rows to', async () => {
    const created = await cli(['addons:create', 'heroku-postgresql']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created postgresql-[a-z]+-\d{5} as DATABASE_URL/);
    const url = (await configVars()).DATABASE_URL!;
    expect(url).toMatch(/^postgres:\/\/addon_[0-9a-f]{32}:[^@]+@127\.0\.0\.1:\d+\/addon_[0-9a-f]{32}$/);
    // The password is in no log line of the platform's.
    expect(server.output.join('\n')).not.toContain(new URL(url).password);

    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('addon-pg-app: migrated');
    const first = await eventually(async () => {
      const r = await getViaRouter(server.routerUrl, 'addon-pg');
      return r.status === 200 ? r : null;
    }, 60_000, 'the web dyno');
    expect(first.body).toBe('visits: 1\n');
    expect((await getViaRouter(server.routerUrl, 'addon-pg')).body).toBe('visits: 2\n');

    const list = await cli(['addons']);
    expect(list.stdout).toMatch(/postgresql-[a-z]+-\d{5} \(DATABASE\)\s+postgresql:dev\s+free\s+provisioned/);
    const info = await cli(['pg:info']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('=== DATABASE_URL');
    expect(info.stdout).toMatch(/Status:\s+Available/);
    const refused = await cli(['config:set', 'DATABASE_URL=postgres://elsewhere/db']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Cannot overwrite attachment values DATABASE_URL.');
  });

  it('rotates the credentials: the old URL stops working, the restarted app uses the new one', async () => {
    const before = (await configVars()).DATABASE_URL!;
    const unconfirmed = await cli(['pg:credentials:rotate']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--confirm addon-pg');
    const rotated = await cli(['pg:credentials:rotate', 'DATABASE', '--confirm', 'addon-pg']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = (await configVars()).DATABASE_URL!;
    expect(after).not.toBe(before);
    expect(await canConnectPostgres(before)).toBe(false);
    const r = await eventually(async () => {
      const res = await getViaRouter(server.routerUrl, 'addon-pg');
      return res.status === 200 ? res : null;
    }, 60_000, 'the app on the new credentials');
    expect(r.body).toBe('visits: 3\n');
    const releases = await cli(['releases']);
    expect(releases.stdout).toMatch(/Rotate DATABASE credentials/);
  });

  it('gives a second add-on its own database, which the first one’s credentials cannot open, and destroys it on confirmation', async () => {
    const created = await cli(['addons:create', 'postgresql', '--as', 'reporting']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('as REPORTING_URL');
    const config = await configVars();
    const main = new URL(config.DATABASE_URL!);
    const reporting = new URL(config.REPORTING_URL!);
    expect(await canConnectPostgres(reporting.toString())).toBe(true);
    const crossed = new URL(main);
    crossed.pathname = reporting.pathname;
    expect(await canConnectPostgres(crossed.toString())).toBe(false);
    // The new release restarted the app: it still counts on.
    await eventually(async () => (await getViaRouter(server.routerUrl, 'addon-pg')).status === 200, 60_000, 'the restarted web dyno');

    const info = await cli(['addons:info', 'REPORTING']);
    expect(info.stdout).toContain('addon-pg::REPORTING');
    const unconfirmed = await cli(['addons:destroy', 'REPORTING']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--confirm addon-pg');
    const destroyed = await cli(['addons:destroy', 'REPORTING', '--confirm', 'addon-pg']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect((await configVars()).REPORTING_URL).toBeUndefined();
    expect(await canConnectPostgres(reporting.toString())).toBe(false);
    expect((await addonObjects()).databases).toHaveLength(1);
  });

  it('destroys the app’s add-ons with the app: no database, no role left', async () => {
    const url = (await configVars()).DATABASE_URL!;
    const destroyed = await cli(['apps:destroy', '--confirm', 'addon-pg']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(await canConnectPostgres(url)).toBe(false);
    expect(await addonObjects()).toEqual({ databases: [], roles: [] });
  });
});
