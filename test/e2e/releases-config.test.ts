import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@platform/store-postgres';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';

/**
 * Factors III and V: config vars as releases, encrypted at rest; rollback restores code *and* config;
 * the release phase runs on the new release before it goes live. Runs against an external DATABASE_URL
 * so the test can read the raw rows.
 */
describe('config vars, releases, rollback and the release phase', () => {
  let db: EmbeddedPostgresHandle;
  let dbDir: string;
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'rel-app';
  const SECRET = 'sekr1t-"quoted"-$(id)-`tick`-☃';
  const body = async () => (await getViaRouter(server.routerUrl, app, '/')).body;

  beforeAll(async () => {
    dbDir = await mkdtemp(path.join(tmpdir(), 'platform-extdb-'));
    db = await startEmbeddedPostgres({ dataDir: dbDir });
    // No health window: a dozen releases roll out here, and none of these tests is about a crash right after
    // binding $PORT (formation.ts tests the window; the other files keep its default).
    server = await startServer({ runtime: 'process', env: { DATABASE_URL: db.url, PLATFORM_BOOT_TIMEOUT: '20', PLATFORM_HEALTH_WINDOW: '0' } });
    env = await createUserEnv();
    repo = await fixtureRepo('web-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    await db?.stop();
    if (dbDir) await rm(dbDir, { recursive: true, force: true });
  });

  it('records config on an app with no build yet, without a release', async () => {
    const r = await platform(['config:set', 'EARLY=1'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect((await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json).toEqual([]);
    expect((await api(server.apiUrl, server.token, 'GET', `/apps/${app}/config-vars`)).json).toEqual({ EARLY: '1' });
  });

  it('deploys v1 with the recorded config', async () => {
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Released v1/);
    expect(await body()).toMatch(/^hello from web-app/);
  });

  it('config:set creates v2 and restarts the app on it', async () => {
    const r = await platform(['config:set', 'GREETING=hi'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Setting GREETING and restarting .*rel-app.*done, v2/);
    expect(await body()).toMatch(/^hi from web-app/);
    const v2 = await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases/2`);
    expect(v2.json).toMatchObject({ version: 2, description: 'Set GREETING config vars', status: 'succeeded', current: true });
    const get = await platform(['config:get', 'GREETING'], { cwd: repo, env });
    expect(get.stdout.trim()).toBe('hi');
    const info = await platform(['releases:info', 'v2'], { cwd: repo, env });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/Build:\s+[0-9a-f-]{36}/);
    expect(info.stdout).toMatch(/Change:\s+Set GREETING config vars/);
    expect(info.stdout).toMatch(/=== v2 Config vars\nEARLY\nGREETING/);
    expect(info.stdout).not.toContain('hi\n');
  });

  it('delivers values byte-exact, without a shell in between', async () => {
    const tricky = `it's "quoted" $(echo nope) \`uname\` \\n ☃`;
    const r = await api(server.apiUrl, server.token, 'PATCH', `/apps/${app}/config-vars`, { GREETING: tricky });
    expect(r.status).toBe(200);
    expect((await body()).startsWith(`${tricky} from web-app`)).toBe(true);
    const back = await api(server.apiUrl, server.token, 'PATCH', `/apps/${app}/config-vars`, { GREETING: 'hi' });
    expect(back.json.GREETING).toBe('hi');
  });

  it('a code change deploys with the current config', async () => {
    const source = await readFile(path.join(repo, 'server.js'), 'utf8');
    await commitFile(repo, env, 'server.js', source.replace('from web-app', 'from web-app v2-code'), 'new code');
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(await body()).toMatch(/^hi from web-app v2-code/);
  });

  it('rollback to v1 restores the old code and the old config, as a new release', async () => {
    const before = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json.length;
    const r = await platform(['rollback', 'v1'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Rolling back .*rel-app.* to v1\.\.\. done, v\d+/);
    const text = await body();
    expect(text).toMatch(/^hello from web-app \(up/); // old code, and GREETING unset as in v1
    const releases = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json;
    expect(releases).toHaveLength(before + 1);
    expect(releases.at(-1)).toMatchObject({ description: 'Rollback to v1', status: 'succeeded', current: true });
    expect((await api(server.apiUrl, server.token, 'GET', `/apps/${app}/config-vars`)).json).toEqual({ EARLY: '1' });
    const history = await platform(['releases'], { cwd: repo, env });
    expect(history.stdout).toMatch(/Rollback to v1/);
    expect(history.stdout).toMatch(/Set GREETING config vars/);
    expect(history.stdout).toMatch(/v1\s+Deploy/);
  });

  it('runs the release phase on the new release before it goes live, streaming its output', async () => {
    await writeFile(path.join(repo, 'release.js'), 'console.log("migrating with GREETING=" + process.env.GREETING);\n');
    await commitFile(repo, env, 'Procfile', 'web: node server.js\nrelease: node release.js\n', 'release phase');
    await platform(['config:set', 'GREETING=phase'], { cwd: repo, env });
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Release command declared');
    expect(r.stderr).toContain('remote: Running release command...');
    expect(r.stderr).toContain('migrating with GREETING=phase');
    expect(r.stderr.indexOf('migrating with')).toBeLessThan(r.stderr.indexOf('Released v'));
  });

  it('a failing release command leaves the previous release serving, during and after the push', async () => {
    const serving = await body();
    const versionsBefore = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json.length;
    await writeFile(path.join(repo, 'release.js'), 'console.log("migration broke"); process.exit(7);\n');
    const source = await readFile(path.join(repo, 'server.js'), 'utf8');
    await commitFile(repo, env, 'server.js', source.replace('v2-code', 'broken-code'), 'broken release');
    let pushing = true;
    const seen = new Set<string>();
    const poller = (async () => {
      while (pushing) {
        const res = await getViaRouter(server.routerUrl, app, '/');
        seen.add(`${res.status} ${res.body.replace(/\(up .*$/s, '')}`);
      }
    })();
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    pushing = false;
    await poller;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('migration broke');
    expect(r.stderr).toMatch(/release command exited with status 7/);
    expect([...seen]).toEqual([`200 ${serving.replace(/\(up .*$/s, '')}`]);
    expect(await body()).not.toContain('broken-code');
    const releases = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json;
    expect(releases).toHaveLength(versionsBefore + 1);
    expect(releases.at(-1)).toMatchObject({ status: 'failed', current: false });
    const list = await platform(['releases'], { cwd: repo, env });
    expect(list.stdout).toMatch(/release command failed/);
    await git(repo, env, ['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('keeps versions unique and gap-free when config changes and rollbacks race', async () => {
    const ops = [
      ...Array.from({ length: 6 }, (_, i) => api(server.apiUrl, server.token, 'PATCH', `/apps/${app}/config-vars`, { [`RACE_${i}`]: String(i) })),
      api(server.apiUrl, server.token, 'POST', `/apps/${app}/releases`, { release: '1' }),
      api(server.apiUrl, server.token, 'POST', `/apps/${app}/releases`, { release: 'v2' }),
    ];
    const results = await Promise.all(ops);
    for (const x of results) expect(x.status, JSON.stringify(x.json)).toBeLessThan(300);
    const versions = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json.map((r: { version: number }) => r.version);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
  });

  it('refuses bad input with clear errors and creates no release', async () => {
    const count = async () => (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json.length;
    const before = await count();
    for (const [bodyIn, pattern] of [
      [{ '1BAD': 'x' }, /not a valid config var name/],
      [{ 'A-B': 'x' }, /not a valid config var name/],
      [{ PORT: '1' }, /set by the platform/],
      [{ DYNO: 'x' }, /set by the platform/],
      [{ BIG: 'x'.repeat(33 * 1024) }, /limit is 32768 bytes/],
      [{ NUM: 5 }, /must be a string/],
      [{ NUL: 'a\u0000b' }, /NUL byte/],
      [{ HEROKU_RELEASE_VERSION: 'v1' }, /set by the platform/],
      [[], /JSON object/],
    ] as const) {
      const r = await api(server.apiUrl, server.token, 'PATCH', `/apps/${app}/config-vars`, bodyIn);
      expect(r.status, JSON.stringify(bodyIn).slice(0, 40)).toBe(422);
      expect(r.json.message).toMatch(pattern);
    }
    for (const [target, status] of [['v0', 422], ['0', 422], ['v999', 404], ['vabc', 422]] as const) {
      const r = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/releases`, { release: target });
      expect(r.status, target).toBe(status);
      expect(r.json.message).toEqual(expect.any(String));
    }
    const cli = await platform(['config:set', 'NOEQUALS'], { cwd: repo, env });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/NOEQUALS is invalid\. Must be in the format FOO=bar\./);
    const failedTarget = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json.find((r: { status: string }) => r.status === 'failed');
    const rb = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/releases`, { release: failedTarget.id });
    expect(rb.status).toBe(422);
    expect(rb.json.message).toMatch(/not eligible/);
    const other = await api(server.apiUrl, server.token, 'POST', '/apps', { name: 'rel-other' });
    expect(other.status).toBe(201);
    const foreign = await api(server.apiUrl, server.token, 'POST', `/apps/rel-other/releases`, { release: failedTarget.id });
    expect(foreign.status).toBe(404);
    expect(await count()).toBe(before);
  });

  it('refuses a rollback to a release whose slug is gone with 409, before allocating a version', async () => {
    const slugs = path.join(server.dataDir, 'slugs');
    const count = async () => (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json.length;
    const before = await count();
    await rename(slugs, `${slugs}.away`);
    try {
      const r = await api(server.apiUrl, server.token, 'POST', `/apps/${app}/releases`, { release: 'v1' });
      expect(r.status).toBe(409);
      expect(r.json).toMatchObject({ id: 'conflict', message: expect.stringMatching(/v1 cannot run again: its slug is gone/) });
      const cli = await platform(['rollback', 'v1'], { cwd: repo, env });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/its slug is gone/);
    } finally {
      await rename(`${slugs}.away`, slugs);
    }
    expect(await count()).toBe(before);
  });

  it('never stores a config value in clear, and never logs it or bakes it into a slug', async () => {
    const set = await api(server.apiUrl, server.token, 'PATCH', `/apps/${app}/config-vars`, { API_SECRET: SECRET });
    expect(set.status).toBe(200);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const dump: string[] = [];
      const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`SELECT row_to_json(t)::text AS j FROM ${client.escapeIdentifier(table_name)} t`);
        dump.push(...rows.rows.map((r) => r.j as string));
      }
      expect(dump.length).toBeGreaterThan(10);
      const all = dump.join('\n');
      expect(all).not.toContain('sekr1t');
      expect(all).not.toContain(Buffer.from('sekr1t').toString('hex'));
    } finally {
      await client.end();
    }
    const push = await run('git', ['commit', '--allow-empty', '-q', '-m', 'rebuild'], { cwd: repo, env });
    expect(push.code).toBe(0);
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('sekr1t');
    expect(server.output.join('\n')).not.toContain('sekr1t');
    const slugs = await readdir(path.join(server.dataDir, 'slugs'));
    expect(slugs.length).toBeGreaterThan(0);
    for (const slug of slugs) {
      const tar = gunzipSync(await readFile(path.join(server.dataDir, 'slugs', slug)));
      expect(tar.includes(Buffer.from('sekr1t')), slug).toBe(false);
    }
  });

  it('refuses to start with a key that cannot decrypt the stored config', async () => {
    // A graceful stop with an external DATABASE_URL too (exit 0: dynos stopped, nothing cut short by a signal hook).
    expect(await server.stop()).toBe(0);
    const wrongKey = 'ab'.repeat(32);
    await expect(
      startServer({ runtime: 'process', dataDir: server.dataDir, env: { DATABASE_URL: db.url, PLATFORM_SECRET_KEY: wrongKey } }),
    ).rejects.toThrow(/cannot decrypt the data in this database/);
    const again = await startServer({ runtime: 'process', dataDir: server.dataDir, env: { DATABASE_URL: db.url } });
    try {
      expect((await api(again.apiUrl, server.token, 'GET', `/apps/${app}/config-vars`)).json.API_SECRET).toBe(SECRET);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
