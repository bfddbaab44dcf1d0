/**
 * platformd with PLATFORM_RUNTIME=swarm on the sandbox swarm (scripts/sandbox-swarm.sh): a push builds on the
 * manager's engine, the release image goes to the registry tagged by build, the web dyno is a Swarm service the
 * router reaches at the port its node publishes (platformd runs outside the swarm's networks), scaling adds
 * services (on either node of the two), and `platform nodes` lists both nodes. Skips, saying why, where the sandbox cannot be created (fails
 * under PLATFORM_TEST_SWARM=required).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform } from '../support/cli.ts';
import { eventually, getViaRouter } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';
import { requireSwarm, swarmServerEnv } from '../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm();

describe.skipIf('skip' in sandbox)(
  `swarm runtime end to end${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`,
  () => {
    if ('skip' in sandbox) return;
    const app = 'swarm-e2e';
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
      const instance = (await readFile(path.join(server.dataDir, 'instance-id'), 'utf8')).trim();
      labels = [`platform.managed=${instance}`, `platform.app=${app}`];
      ({ env, repo } = await deployFixture(server, 'web-app', app));
    });
    afterAll(async () => {
      if (server) await platform(['apps:destroy', app, '--confirm', app], { env }).catch(() => undefined);
      await server?.destroy();
      // Never an unfiltered list (other sessions' services): nothing to remove when the server never started.
      const left = labels.length > 0 ? await sandbox.docker.listServices({ filters: { label: labels } }) : [];
      await Promise.all(
        left.map((s) =>
          sandbox.docker
            .getService(s.ID)
            .remove()
            .catch(() => undefined),
        ),
      );
    });

    it('runs the pushed app as a Swarm service from the registry, reached through the router', async () => {
      expect(server.runtime).toBe('swarm');
      const res = await eventually(
        async () => {
          const r = await getViaRouter(server.routerUrl, app);
          return r.status === 200 ? r : undefined;
        },
        60_000,
        'the app answering through the router',
      );
      expect(res.body).toContain('hello from web-app');
      const services = await sandbox.docker.listServices({ filters: { label: labels } });
      expect(services.map((s) => s.Spec?.Labels?.['platform.dyno'])).toEqual(['web.1']);
      const image = (services[0]!.Spec!.TaskTemplate as { ContainerSpec: { Image: string } }).ContainerSpec
        .Image;
      expect(image.startsWith(`${sandbox.registry}/platform/${app}:`)).toBe(true);
    });

    it('scales out with one service per dyno', async () => {
      const r = await platform(['ps:scale', 'web=2'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      await eventually(
        async () => {
          const services = await sandbox.docker.listServices({ filters: { label: labels } });
          return services.length === 2 ? services : undefined;
        },
        60_000,
        'two web services',
      );
      await eventually(
        async () => {
          const ps = await platform(['ps'], { cwd: repo, env });
          return /web\.1: up/.test(ps.stdout) && /web\.2: up/.test(ps.stdout);
        },
        60_000,
        'web.1 and web.2 up in `platform ps`',
      );
    });

    it('lists both swarm nodes and their dynos in `platform nodes` (admin)', async () => {
      const r = await platform(['nodes', '--json'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      const nodes = JSON.parse(r.stdout) as Array<{ role: string; state: string; address: string; dynos: number }>;
      expect(nodes.map((n) => [n.role, n.state, n.address]).sort()).toEqual([
        ['manager', 'ready', sandbox.nodeAddress],
        ['worker', 'ready', sandbox.worker.address],
      ]);
      // Swarm placed web.1 and web.2 on either node; the counts are this platform instance's dynos only.
      expect(nodes.reduce((sum, n) => sum + n.dynos, 0)).toBe(2);
      const table = await platform(['nodes'], { cwd: repo, env });
      expect(table.stdout).toMatch(/=== Nodes \(2\)/);
      expect(table.stdout).toMatch(new RegExp(`${sandbox.worker.hostname}\\s+worker\\s+ready\\s+active`));
    });
  },
);
