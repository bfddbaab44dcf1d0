import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { hostPid } from '../support/processes.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A server killed without warning (SIGKILL) loses nothing: the next start cleans up and serves again. */
describe('crash and restart (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'crash-app';

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    repo = await fixtureRepo('formation-app', env);
    expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    expect((await run('git', ['push', 'platform', 'main'], { cwd: repo, env })).code).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('after a SIGKILL of the server, the next start stops the orphaned dynos and Postgres, and serves again', async () => {
    const [, , pid] = (await getViaRouter(server.routerUrl, app)).body.trim().split(' ');
    const ps = JSON.parse((await platform(['ps', '--json'], { cwd: repo, env })).stdout) as Array<{ name: string; id: string }>;
    const dynoPid = (await hostPid(ps.find((d) => d.name === 'web.1')!.id, Number(pid)))!;
    expect(dynoPid).toBeGreaterThan(1);
    expect(alive(dynoPid)).toBe(true);
    server.child.kill('SIGKILL');
    await server.stop();
    expect(alive(dynoPid)).toBe(true); // the dyno outlived its server…

    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    expect(alive(dynoPid)).toBe(false); // …until the next start swept it
    const res = await eventually(async () => {
      const r = await getViaRouter(server.routerUrl, app);
      return r.status === 200 ? r : null;
    }, 20_000, 'the app to answer after the restart');
    expect(res.body).toMatch(/^code-a web\.1 /);
    const releases = await platform(['releases', '--json', '-a', app], { cwd: repo, env: { ...env, PLATFORM_SERVER: server.apiUrl } });
    expect(JSON.parse(releases.stdout)).toHaveLength(1);
  });
});
