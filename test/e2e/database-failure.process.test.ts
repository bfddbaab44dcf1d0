import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform } from '../support/cli.ts';
import { eventually, getViaRouter } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';

/**
 * Issue 12: the database can fail. With the embedded PostgreSQL killed under a running platformd, the API
 * answers 503 `database_unavailable` with Retry-After (never 500), /healthz says so, the app keeps serving
 * through the router, and platformd restarts Postgres and recovers without a restart of its own.
 */
describe('PostgreSQL killed under a running platformd (process runtime)', () => {
  const app = 'db-fail-app';
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    ({ env, repo } = await deployFixture(server, 'web-app', app));
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('answers 503 with Retry-After while the database is down, keeps the app serving, and recovers by itself', async () => {
    const postmaster = Number((await readFile(path.join(server.dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(postmaster).toBeGreaterThan(1);
    // The postmaster and its backends at once, as an OOM kill or a crash of the machine's Postgres would.
    const backends: number[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) backends.push(Number(pid));
    }
    for (const pid of [postmaster, ...backends]) process.kill(pid, 'SIGKILL');

    const res = await fetch(`${server.apiUrl}/apps`, { headers: { authorization: `Bearer ${server.token}`, accept: 'application/json' } });
    const health = await fetch(`${server.apiUrl}/healthz`);
    const routed = await getViaRouter(server.routerUrl, app);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ id: 'database_unavailable' });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', database: 'unavailable' });
    expect(routed.status).toBe(200);
    expect(routed.body).toMatch(/^hello from web-app/);

    // platformd restarts Postgres; the pool reconnects; writes work again.
    await eventually(async () => (await fetch(`${server.apiUrl}/healthz`)).status === 200, 60_000, 'the database to be back');
    const set = await platform(['config:set', 'GREETING=back'], { cwd: repo, env });
    expect(set.code, set.stderr).toBe(0);
    expect((await getViaRouter(server.routerUrl, app)).body).toMatch(/^back from web-app/);
    expect(server.output.join('\n')).toContain('the embedded PostgreSQL exited unexpectedly; restarting it');
    expect(server.child.exitCode).toBeNull();
  });
});
