/**
 * Release-image collection on the swarm runtime (sandbox swarm of scripts/sandbox-swarm.sh, its real registry):
 * the keep-N rule of docker mode deletes older release images from the registry and from the manager's engine
 * after a deploy, and from the worker node through a Swarm job (an old release's copy goes there; a kept one and
 * one a container uses stay); a rollback to a kept release pulls its tag from the registry (no build, no
 * recreation, even with the manager's own copy gone); destroying the app empties its repository and the worker of
 * its images. Skips, saying why, where the sandbox cannot be created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRegistryClient } from '@platform/runtime-swarm';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform, run } from '../support/cli.ts';
import { commitFile, eventually, getViaRouter } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { deployFixture } from '../support/deploy.ts';
import { requireSwarm, swarmServerEnv } from '../../packages/runtime-swarm/test/swarm-harness.ts';

const sandbox = await requireSwarm();

describe.skipIf('skip' in sandbox)(
  `swarm runtime: release images collected in the registry, on the manager and on the worker${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`,
  () => {
    if ('skip' in sandbox) return;
    const app = 'swarm-gc-e2e';
    const repository = `platform/${app}`;
    const registry = createRegistryClient({ url: sandbox.registryUrl });
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;

    const releases = async () =>
      (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json as Array<{
        version: number;
        current: boolean;
        slug: { id: string } | null;
      }>;
    const currentBuild = async () => (await releases()).find((r) => r.current)!.slug!.id;
    const onManager = (ref: string) => sandbox.docker.getImage(ref).inspect().then(() => true, () => false);
    const worker = sandbox.worker.docker;
    const onWorker = (ref: string) => worker.getImage(ref).inspect().then(() => true, () => false);
    /** What Swarm does when a dyno lands on the worker: its engine pulls the release image from the registry. */
    const pullOnWorker = async (ref: string) => {
      const stream = (await worker.pull(ref)) as NodeJS.ReadableStream;
      await new Promise((resolve, reject) => worker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(null))));
    };
    const webImages = async () =>
      (await sandbox.docker.listServices({ filters: { label: [`platform.app=${app}`, 'platform.type=web'] } })).map(
        (s) => (s.Spec!.TaskTemplate as { ContainerSpec: { Image: string } }).ContainerSpec.Image,
      );
    const answers = (text: string) =>
      eventually(async () => (await getViaRouter(server.routerUrl, app)).body.includes(text), 90_000, `the app answering "${text}"`);

    /** This file's repository starts and ends empty (an interrupted run may have left tags no store knows). */
    const emptyRepository = async () => {
      for (const tag of await registry.listTags(repository)) {
        const digest = await registry.digestOf(repository, tag);
        if (digest) await registry.deleteManifest(repository, digest);
      }
    };

    beforeAll(async () => {
      await emptyRepository();
      server = await startServer({
        env: {
          PLATFORM_RUNTIME: 'swarm',
          ...swarmServerEnv(sandbox),
          PLATFORM_IMAGES_TO_KEEP: '2',
          PLATFORM_GRACE_PERIOD: '3',
        },
      });
      ({ env, repo } = await deployFixture(server, 'web-app', app));
    });
    afterAll(async () => {
      if (server) await platform(['apps:destroy', app, '--confirm', app], { env }).catch(() => undefined);
      await server?.destroy();
      const left = await sandbox.docker.listServices({ filters: { label: [`platform.app=${app}`] } });
      await Promise.all(left.map((s) => sandbox.docker.getService(s.ID).remove().catch(() => undefined)));
      for (const engine of [sandbox.docker, worker]) {
        const images = await engine.listImages({ filters: { label: [`platform.app=${app}`] } });
        await Promise.all(images.map((i) => engine.getImage(i.Id).remove({ force: true }).catch(() => undefined)));
      }
      await emptyRepository();
    });

    it('deletes release images beyond the last 2 releases from the registry, the manager and the worker, never a kept one', async () => {
      const original = await readFile(path.join(repo, 'server.js'), 'utf8');
      const first = await currentBuild();
      expect(await registry.digestOf(repository, first)).not.toBeNull();
      // Build 1 on the worker: where Swarm placed no dyno of it there, the test pulls it as Swarm would.
      const firstOnWorker = `${sandbox.registry}/platform/${app}:${first}`;
      if (!(await onWorker(firstOnWorker))) await pullOnWorker(firstOnWorker);
      for (const n of [2, 3]) {
        await commitFile(repo, env, 'server.js', original.replace('from web-app', `from build-${n}`), `build ${n}`);
        const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
        expect(push.code, push.stderr).toBe(0);
      }
      const third = await currentBuild();
      await answers('from build-3');
      await eventually(async () => (await registry.digestOf(repository, first)) === null, 60_000, 'build 1 deleted from the registry');
      expect((await registry.listTags(repository)).length).toBe(2);
      expect(await registry.digestOf(repository, third)).not.toBeNull();
      // The collection after a deploy leaves an image a container still uses: Swarm removes the old dyno's task
      // container a moment after its service. The next collection (a deploy, a start, or on demand) takes it.
      await eventually(
        async () => {
          if (!(await onManager(`platform/${app}:${first}`))) return true;
          await api(server.apiUrl, server.token, 'POST', '/admin/prune-images');
          return false;
        },
        60_000,
        'build 1 removed from the manager',
      );
      expect(await onManager(`${sandbox.registry}/platform/${app}:${first}`)).toBe(false);
      // The worker's copy of build 1 went through the collection job; the current build's stays there.
      const thirdOnWorker = `${sandbox.registry}/platform/${app}:${third}`;
      if (!(await onWorker(thirdOnWorker))) await pullOnWorker(thirdOnWorker);
      await eventually(
        async () => {
          if (!(await onWorker(firstOnWorker))) return true;
          await api(server.apiUrl, server.token, 'POST', '/admin/prune-images');
          return false;
        },
        60_000,
        'build 1 removed from the worker',
      );
      // On demand: nothing more to collect, on the manager or the worker; what the worker's containers use stays.
      const pruned = await api(server.apiUrl, server.token, 'POST', '/admin/prune-images');
      expect(pruned.json).toEqual({
        removed: [],
        kept_releases_per_app: 2,
        removed_on_nodes: [{ node: sandbox.worker.hostname, removed: [] }],
      });
      const cli = await platform(['images:prune'], { cwd: repo, env });
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain(`Node ${sandbox.worker.hostname}: removed 0 image references.`);
      expect(await onWorker(thirdOnWorker)).toBe(true);
      for (const c of await worker.listContainers({ all: true, filters: { label: [`platform.app=${app}`] } }))
        expect(await onWorker(c.ImageID), c.Image).toBe(true);
      // The collection job is gone.
      expect(await sandbox.docker.listServices({ filters: { label: ['platform.node-gc'] } })).toEqual([]);
    });

    it('rolls back to a kept release by pulling its tag from the registry: no build, no image recreated', async () => {
      const rel = await releases();
      const builds = [...new Set(rel.flatMap((r) => (r.slug ? [r.slug.id] : [])))];
      const tags = await registry.listTags(repository);
      const second = builds.find((b) => tags.includes(b) && b !== rel.find((r) => r.current)!.slug!.id)!;
      const digest = await registry.digestOf(repository, second);
      // The manager's own copies go: only the registry has the image now.
      for (const ref of [`platform/${app}:${second}`, `${sandbox.registry}/platform/${app}:${second}`])
        await sandbox.docker.getImage(ref).remove({ force: true }).catch(() => undefined);

      const target = rel.find((r) => r.slug?.id === second)!.version;
      const rollback = await platform(['rollback', `v${target}`], { cwd: repo, env });
      expect(rollback.code, rollback.stderr).toBe(0);
      expect(rollback.stdout).not.toMatch(/Building|npm|-----> /);
      await answers('from build-2');
      // Once the old dyno is retired, the one web service runs the registry's tag of build 2.
      const only = `${sandbox.registry}/platform/${app}:${second}`;
      await eventually(async () => (await webImages()).join() === only, 60_000, 'one web service on build 2');
      // Not recreated from the slug on the manager: the task pulled the registry's tag.
      expect(await onManager(`platform/${app}:${second}`)).toBe(false);
      expect(await registry.digestOf(repository, second)).toBe(digest);
    });

    it('empties the app\'s repository in the registry and removes its images from the worker when the app is destroyed', async () => {
      expect((await registry.listTags(repository)).length).toBeGreaterThan(0);
      const appId = ((await api(server.apiUrl, server.token, 'GET', `/apps/${app}`)).json as { id: string }).id;
      const destroyed = await platform(['apps:destroy', app, '--confirm', app], { env });
      expect(destroyed.code, destroyed.stderr).toBe(0);
      expect(await registry.listTags(repository)).toEqual([]);
      // Its copies on the worker go too, once Swarm has removed the task containers that used them.
      await eventually(
        async () => {
          if ((await worker.listImages({ filters: { label: [`platform.app-id=${appId}`] } })).length === 0) return true;
          await api(server.apiUrl, server.token, 'POST', '/admin/prune-images');
          return false;
        },
        60_000,
        'the destroyed app\'s images removed from the worker',
      );
    });
  },
);
