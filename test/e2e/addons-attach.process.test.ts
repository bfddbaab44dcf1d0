import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';

/**
 * Add-ons beyond one app, as a user meets them (issue 17): `addons:attach` shares a database with a second app,
 * `addons` lists attachments across apps, clashes and add-on-owned vars are refused with nothing changed,
 * `addons:detach`; a rollback says which add-on vars it did not restore; `pg:psql` runs psql in a one-off; and the
 * databases keep serving while platformd restarts (SIGTERM, then SIGKILL), with no row lost.
 */
describe('add-on attachments, pg:psql and platformd restarts (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const cli = (args: string[]) => platform(args, { cwd: repo, env: { ...env, PLATFORM_SERVER: server.apiUrl } });
  const ok = async (args: string[]) => {
    const r = await cli(args);
    expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  const configOf = async (app: string) => JSON.parse((await ok(['config', '--json', '-a', app])).stdout) as Record<string, string>;
  const visits = async () => {
    const r = await eventually(async () => {
      const res = await getViaRouter(server.routerUrl, 'att-pg');
      return res.status === 200 ? res : null;
    }, 90_000, 'the web dyno to count a visit');
    return Number(/^visits: (\d+)$/.exec(r.body.trim())![1]);
  };
  const rows = async (url: string) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return Number((await client.query('SELECT count(*) AS n FROM visits')).rows[0].n);
    } finally {
      await client.end();
    }
  };
  const postmasterPid = async () => Number((await readFile(path.join(server.dataDir, 'addons', 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    repo = await fixtureRepo('addon-pg-app', env);
    await ok(['apps:create', 'att-pg']);
    await ok(['apps:create', 'att-reader', '--no-remote']);
    await ok(['addons:create', 'heroku-postgresql', '-a', 'att-pg']);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('attaches the database to a second app, lists it across apps, refuses clashes and owned vars, and detaches it', async () => {
    const addon = /^(postgresql-[a-z]+-\d{5}) \(DATABASE\)/m.exec((await ok(['addons', '-a', 'att-pg'])).stdout)![1]!;
    const url = (await configOf('att-pg')).DATABASE_URL!;

    const attached = await ok(['addons:attach', addon, '-a', 'att-reader', '--as', 'shared']);
    expect(attached.stdout).toContain(`Attaching ${addon} as SHARED to att-reader... done`);
    expect(attached.stdout).toMatch(/Setting SHARED_URL config vars and restarting att-reader\.\.\. done/);
    expect((await configOf('att-reader')).SHARED_URL).toBe(url);
    expect((await ok(['addons', '-a', 'att-reader'])).stdout).toMatch(new RegExp(`${addon} \\(SHARED\\)\\s+postgresql:dev\\s+\\(billed to att-pg app\\)`));
    expect((await ok(['addons', '-a', 'att-pg'])).stdout).toContain('└─ as SHARED on att-reader app');

    const before = { reader: await configOf('att-reader'), releases: (await ok(['releases', '--json', '-a', 'att-reader'])).stdout };
    const clash = await cli(['addons:attach', addon, '-a', 'att-reader', '--as', 'shared']);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain(`${addon} is already attached to att-reader as SHARED`);
    const owned = await cli(['config:set', 'SHARED_URL=postgres://elsewhere/db', '-a', 'att-reader']);
    expect(owned.code).not.toBe(0);
    expect(owned.stderr).toContain(`Cannot overwrite attachment values SHARED_URL. SHARED_URL belongs to add-on ${addon}`);
    const unknown = await cli(['addons:attach', 'postgresql-nope-00000', '-a', 'att-reader']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Couldn't find that add-on/);
    expect({ reader: await configOf('att-reader'), releases: (await ok(['releases', '--json', '-a', 'att-reader'])).stdout }).toEqual(before);

    const last = await cli(['addons:detach', 'DATABASE', '-a', 'att-pg']);
    expect(last.code).not.toBe(0);
    expect(last.stderr).toContain('Destroy the add-on instead');
    const detached = await ok(['addons:detach', 'SHARED_URL', '-a', 'att-reader']);
    expect(detached.stdout).toContain(`Detaching SHARED to ${addon} from att-reader... done`);
    expect((await configOf('att-reader')).SHARED_URL).toBeUndefined();
    expect((await configOf('att-pg')).DATABASE_URL).toBe(url);
  });

  it('rolls back without bringing back a destroyed add-on’s URL, and says so', async () => {
    await ok(['addons:create', 'postgresql', '--as', 'extra', '-a', 'att-pg']);
    const withExtra = JSON.parse((await ok(['releases', '--json', '-a', 'att-pg'])).stdout)[0].version as number;
    await ok(['addons:destroy', 'EXTRA', '--confirm', 'att-pg', '-a', 'att-pg']);
    const rollback = await ok(['rollback', `v${withExtra}`, '-a', 'att-pg']);
    expect(rollback.stderr).toContain('Not restored, their add-ons are gone: EXTRA_URL.');
    expect((await configOf('att-pg')).EXTRA_URL).toBeUndefined();
    expect(JSON.parse((await ok(['releases', '--json', '-a', 'att-pg'])).stdout)[0].description).toBe(
      `Rollback to v${withExtra} (not restored, their add-ons are gone: EXTRA_URL)`,
    );
  });

  it('runs psql in a one-off dyno with the config var’s connection, the password in no command line', async () => {
    const url = (await configOf('att-pg')).DATABASE_URL!;
    const count = await visits();
    const psql = await ok(['pg:psql', '-a', 'att-pg', '-c', 'SELECT count(*) AS n FROM visits']);
    expect(psql.stderr).toMatch(/--> Connecting to postgresql-[a-z]+-\d{5} \(DATABASE_URL\) in run\.\d+/);
    expect(psql.stdout).toMatch(new RegExp(`\\n\\s*${count}\\s*\\n\\(1 row\\)`));
    // Without -c and without a terminal, psql reads its commands from the piped input.
    const piped = await platform(['pg:psql', '-a', 'att-pg'], { cwd: repo, env: { ...env, PLATFORM_SERVER: server.apiUrl }, input: 'SELECT 40 + 2 AS answer;\n' });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/answer\s*\n-+\s*\n\s*42\s*\n/);
    const failing = await cli(['pg:psql', 'DATABASE', '-a', 'att-pg', '-c', 'SELECT * FROM no_such_table']);
    expect(failing.code).not.toBe(0);
    expect(failing.stdout + failing.stderr).toContain('relation "no_such_table" does not exist');
    const missing = await cli(['pg:psql', 'NOPE', '-a', 'att-pg', '-c', 'SELECT 1']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('att-pg has no database NOPE');
    // The password went by environment only: the platform's log, which names each one-off's command, lacks it.
    expect(server.output.join('\n')).not.toContain(new URL(url).password);
  });

  it('keeps the database serving while platformd restarts (SIGTERM, then SIGKILL), adopts it, and restarts it if it died', async () => {
    const url = (await configOf('att-pg')).DATABASE_URL!;
    let count = await visits();
    const pid = await postmasterPid();

    // A graceful stop: the add-on server outlives it and still serves; the next platformd adopts the same one.
    await server.stop();
    expect(await rows(url)).toBe(count);
    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    expect(server.output.join('\n')).toContain('adopted the running PostgreSQL server of add-ons');
    expect(await postmasterPid()).toBe(pid);
    expect(await visits()).toBe(++count);

    // kill -9: the same.
    server.child.kill('SIGKILL');
    await server.stop();
    expect(await rows(url)).toBe(count);
    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    expect(server.output.join('\n')).toContain('adopted the running PostgreSQL server of add-ons');
    expect(await postmasterPid()).toBe(pid);
    expect(await visits()).toBe(++count);

    // The add-on server dies while platformd is down: the next start starts it again, on the same port and data.
    await server.stop();
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (await rows(url).then(() => false, () => true)) || null, 30_000, 'the add-on server to be down');
    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    expect(server.output.join('\n')).toContain('started the PostgreSQL server of add-ons');
    expect(await postmasterPid()).not.toBe(pid);
    expect(await rows(url)).toBe(count);
    expect(await visits()).toBe(++count);
  });
});
