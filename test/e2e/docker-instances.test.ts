import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { fixtureRepo, getViaRouter } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { requireDocker } from '../support/docker.ts';

/**
 * Issue 12: each platform instance owns its objects. Two platformds on one Docker engine, each with its own data
 * dir: what one creates carries its instance id, and the other never routes to, adopts, stops or collects it,
 * even with an app of the same name.
 */
const docker = requireDocker();

describe('two platform instances on one Docker engine', () => {
  const app = 'shared-name';
  let a: ServerHandle;
  let b: ServerHandle;
  let env: Record<string, string>;
  let repo: string;

  beforeAll(async () => {
    a = await startServer({ runtime: 'docker' });
    b = await startServer({ runtime: 'docker' });
    env = await createUserEnv();
    repo = await fixtureRepo('web-app', env);
    expect((await platform(['login', '--server', a.apiUrl, '--token-file', path.join(a.dataDir, 'admin-token')], { env })).code).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
  });
  afterAll(async () => {
    await b?.destroy();
    await a?.destroy();
  });

  it('labels what each instance creates with its own id', async () => {
    const idA = (await readFile(path.join(a.dataDir, 'instance-id'), 'utf8')).trim();
    const idB = (await readFile(path.join(b.dataDir, 'instance-id'), 'utf8')).trim();
    expect(idA).toMatch(/^[0-9a-f]{12}$/);
    expect(idB).not.toBe(idA);
    const containers = await docker.listContainers({ all: true, filters: { label: [`platform.app=${app}`] } });
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) expect(c.Labels['platform.managed']).toBe(idA);
  });

  it("leaves the other instance's dynos alone: not routed, not listed, not stopped by its reconcile or restart", async () => {
    const before = await docker.listContainers({ filters: { label: [`platform.app=${app}`] } });
    // B has no such app: its router does not serve A's dyno, its API does not know it.
    expect((await getViaRouter(b.routerUrl, app)).status).toBe(404);
    expect((await api(b.apiUrl, b.token, 'GET', `/apps/${app}`)).status).toBe(404);
    // An app of the same name on B, created and destroyed, does not touch A's containers.
    expect((await api(b.apiUrl, b.token, 'POST', '/apps', { name: app })).status).toBe(201);
    expect((await api(b.apiUrl, b.token, 'DELETE', `/apps/${app}`)).status).toBe(200);
    // B restarts (it adopts what is its own on start) and collects images.
    await b.stop();
    b = await startServer({ runtime: 'docker', dataDir: b.dataDir });
    expect((await api(b.apiUrl, b.token, 'POST', '/admin/prune-images')).status).toBeLessThan(300);
    expect((await getViaRouter(b.routerUrl, app)).status).toBe(404); // nothing of A's adopted by B's start
    const after = await docker.listContainers({ filters: { label: [`platform.app=${app}`] } });
    expect(after.map((c) => c.Id).sort()).toEqual(before.map((c) => c.Id).sort());
    const res = await getViaRouter(a.routerUrl, app);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^hello from web-app/);
  });
});
