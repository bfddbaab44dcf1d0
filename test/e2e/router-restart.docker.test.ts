import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { requireDocker } from '../support/docker.ts';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';

requireDocker();

/**
 * Issue 15, "the data plane outlives the control plane": HAProxy keeps serving an app while platformd is killed
 * with SIGKILL and started again; the new platformd adopts the same proxy (same pid) and reconciles its routes.
 * Docker runtime: its dynos outlive platformd (process-mode dynos are swept at the next start, by design). Needs
 * Debian's haproxy (scripts/prerequisites.sh router): without it platformd refuses PLATFORM_ROUTER=haproxy.
 */
describe('the router outlives platformd (HAProxy, docker runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'edge-restart';
  const serverEnv = { PLATFORM_ROUTER: 'haproxy', PLATFORM_HEALTH_WINDOW: '1' };

  beforeAll(async () => {
    server = await startServer({ runtime: 'docker', env: serverEnv });
    env = await createUserEnv();
    repo = await fixtureRepo('formation-app', env);
    expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('serves ~100 requests a second across a SIGKILL and restart of platformd without one failure, then applies a scale change', async () => {
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).status === 200, 30_000, 'the app to answer');
    const proxyPid = await server.proxyPid();
    expect(proxyPid).toBeGreaterThan(1);
    const routerUrl = server.routerUrl;

    // One request every 10 ms, each on a fresh connection, for the whole restart.
    const failures: string[] = [];
    let served = 0;
    let loading = true;
    const inflight = new Set<Promise<void>>();
    const load = (async () => {
      while (loading) {
        const p = getViaRouter(routerUrl, app).then(
          (r) => (r.status === 200 ? void served++ : void failures.push(`${r.status} ${r.body.slice(0, 80)}`)),
          (err: Error) => void failures.push(err.message),
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(inflight);
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    server.child.kill('SIGKILL');
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // serving with no platformd at all
    server = await startServer({ runtime: 'docker', dataDir: server.dataDir, env: serverEnv });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    loading = false;
    await load;

    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(200);
    expect(await server.proxyPid()).toBe(proxyPid); // adopted, not restarted
    expect(server.routerUrl).toBe(routerUrl);
    expect(server.output.join('\n')).toMatch(/adopted pid/);

    // Reconciled: a scale change after the restart reaches the adopted proxy.
    const scaled = await platform(['ps:scale', 'web=2', '-a', app], { cwd: repo, env: { ...env, PLATFORM_SERVER: server.apiUrl } });
    expect(scaled.code, scaled.stderr).toBe(0);
    const seen = new Set<string>();
    await eventually(async () => {
      seen.add((await getViaRouter(server.routerUrl, app)).body.split(' ')[1]!);
      return seen.has('web.1') && seen.has('web.2');
    }, 60_000, 'both web dynos to answer through the adopted proxy');
  });
});
