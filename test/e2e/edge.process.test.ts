import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';

/** The edge through the real server, CLI and router (process runtime): maintenance mode, custom domains. */
describe('edge (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'edge-e2e';
  const cli = (args: string[]) => platform(args, { cwd: repo, env });

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    repo = await fixtureRepo('node-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await cli(['apps:create', app])).code).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('maintenance:on answers 503 H80 with the maintenance page while the dynos keep running, across a restart', async () => {
    expect((await getViaRouter(server.routerUrl, app)).status).toBe(200);
    expect((await cli(['maintenance'])).stdout).toBe('off\n');
    const on = await cli(['maintenance:on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toBe(`Enabling maintenance mode for ${app}... done\n`);
    expect((await cli(['maintenance'])).stdout).toBe('on\n');
    const res = await getViaRouter(server.routerUrl, app, '/during');
    expect(res.status).toBe(503);
    expect(res.body).toContain('Offline for Maintenance');
    expect((await cli(['ps'])).stdout).toMatch(/web\.1: up/);
    const logs = await cli(['logs', '-n', '50']);
    expect(logs.stdout).toMatch(/router\]: at=info code=H80 desc="Maintenance mode" method=GET path="\/during"/);

    // The switch is state: a new platformd answers the same before its first request.
    await server.stop();
    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    expect((await getViaRouter(server.routerUrl, app)).status).toBe(503);

    const off = await cli(['maintenance:off', '-a', app, '--server', server.apiUrl]);
    expect(off.stdout).toBe(`Disabling maintenance mode for ${app}... done\n`);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).status === 200, 60_000, 'the app to answer again');
  });
});
