/**
 * A Dockerfile deploy on the swarm runtime (scripts/sandbox-swarm.sh): the image built from the app's Dockerfile on
 * the manager's engine reaches the registry like a slug's release image, and its dyno runs it as `docker run` would
 * (its WORKDIR, its CMD, $PORT injected) — on the swarm, in a service's task, and in an attached one-off. Skips,
 * saying why, where the sandbox cannot be created (fails under PLATFORM_TEST_SWARM=required).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, getViaRouter, repoFrom } from '../support/apps.ts';
import { requireSwarm, swarmServerEnv } from '../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm();
const CORPUS_APP = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'corpus', 'dockerfile-only');

describe.skipIf('skip' in sandbox)(`a Dockerfile deploy on the swarm runtime${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const app = 'swarm-dockerfile';
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  // Other platforms may use the same swarm (and app names): this server's services carry its instance id.
  let labels: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      env: {
        PLATFORM_RUNTIME: 'swarm',
        ...swarmServerEnv(sandbox),
      },
    });
    labels = [`platform.managed=${(await readFile(path.join(server.dataDir, 'instance-id'), 'utf8')).trim()}`, `platform.app=${app}`];
    env = await createUserEnv();
    repo = await repoFrom(CORPUS_APP, env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
  });
  afterAll(async () => {
    if (server) await platform(['apps:destroy', app, '--confirm', app], { env }).catch(() => undefined);
    await server?.destroy();
    // Never an unfiltered list (other sessions' services): nothing to remove when the server never started.
    const left = labels.length > 0 ? await sandbox.docker.listServices({ filters: { label: labels } }) : [];
    await Promise.all(left.map((s) => sandbox.docker.getService(s.ID).remove().catch(() => undefined)));
  });

  it('builds the Dockerfile, pushes its image to the registry and serves the image CMD through the router', async () => {
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    expect(push.stderr).toContain('No buildpack matches; the app has a Dockerfile');
    const res = await eventually(
      async () => {
        const r = await getViaRouter(server.routerUrl, app, '/harbour.html');
        return r.status === 200 ? r : undefined;
      },
      90_000,
      'the Dockerfile app answering through the router',
    );
    expect(res.body).toContain('Harbour lights, served from an image built from a Dockerfile.');
    const services = await sandbox.docker.listServices({ filters: { label: labels } });
    expect(services).toHaveLength(1);
    const container = (services[0]!.Spec!.TaskTemplate as { ContainerSpec: { Image: string; Command?: string[]; Dir?: string } }).ContainerSpec;
    expect(container.Image.startsWith(`${sandbox.registry}/platform/${app}:`)).toBe(true);
    // The image's own ENTRYPOINT/CMD and WORKDIR: nothing of the slug launch script.
    expect([container.Command, container.Dir]).toEqual([undefined, undefined]);
  });

  it('runs a one-off in the image, from its WORKDIR', async () => {
    const r = await platform(['run', '--no-tty', 'pwd && ls'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('/srv/site');
    expect(r.stdout).toContain('harbour.html');
  });
});
