/**
 * Release-image collection on the other nodes of the sandbox swarm, through a Swarm global job: on the worker,
 * an app's image outside its kept builds goes; a kept one, one a container uses, one created after the
 * collection's cut-off and another platform's app's image stay (with a kept map of 3,000 apps, in several Swarm
 * configs); the job and its configs are gone afterwards.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { packDirectory } from '@platform/archive';
import { createReleaseImage } from '@platform/builder-docker';
import { collectNodeImages } from '../src/index.ts';
import { requireSwarm } from './swarm-harness.ts';

const sandbox = await requireSwarm();

describe.skipIf('skip' in sandbox)(
  `node image collection${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`,
  () => {
    if ('skip' in sandbox) return;
    const worker = sandbox.worker.docker;
    const instance = `test-${randomUUID().slice(0, 8)}`;
    const app = `nodegc-${instance.slice(5)}`;
    const appId = randomUUID();
    const otherAppId = randomUUID();
    let dir = '';
    afterAll(async () => {
      for (const c of await worker.listContainers({ all: true, filters: { label: [`platform.app-id=${appId}`] } }))
        await worker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      for (const id of [appId, otherAppId])
        for (const i of await worker.listImages({ filters: { label: [`platform.app-id=${id}`] } }))
          await worker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('removes only the worker\'s images the kept map lets go, never one in use, then removes its job', async () => {
      const stack = (await worker.listImages()).flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith(`${sandbox.registry}/platform/stack:`));
      expect(stack, 'the stack image in the registry, on the worker').toBeDefined();
      dir = await mkdtemp(join(tmpdir(), 'node-gc-'));
      // The slug is written beside the packed directory, never into it.
      const src = join(dir, 'src');
      await mkdir(src);
      const image = async (id: string, build: string, content: string) => {
        await writeFile(join(src, 'file.txt'), content);
        const slugPath = join(dir, `${build}.tgz`);
        await packDirectory(src, createWriteStream(slugPath), { gzip: true });
        return createReleaseImage({ docker: worker, stackImage: stack!, slugPath, app, appId: id, buildId: build });
      };
      const kept = await image(appId, 'b1', 'one');
      const old = await image(appId, 'b2', 'two');
      const used = await image(appId, 'b3', 'three');
      const other = await image(otherAppId, 'b1', 'other');
      await worker.createContainer({ Image: used, Labels: { 'platform.app-id': appId }, Cmd: ['true'] });
      const notAfter = new Date();
      // Docker's image times have one-second resolution: the next one is surely after the cut-off.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const newer = await image(appId, 'b4', 'four');

      const result = await collectNodeImages({
        docker: sandbox.docker,
        instance,
        image: stack!,
        // Thousands of other apps: the map reaches the node as several Swarm configs (each under 500 KB).
        kept: new Map([[appId, ['b1']], ...Array.from({ length: 3_000 }, () => [randomUUID(), Array.from({ length: 10 }, () => randomUUID())] as [string, string[]])]),
        notAfter,
        socket: sandbox.nodeSocket,
        pollMs: 200,
      });
      expect(result.nodes).toEqual([{ node: sandbox.worker.hostname, removed: [old], refused: [], errors: [] }]);
      const present = async (ref: string) => worker.getImage(ref).inspect().then(() => true, () => false);
      expect(await present(old)).toBe(false);
      for (const ref of [kept, used, other, newer]) expect(await present(ref), ref).toBe(true);
      // Nothing left behind: no job, no config.
      const label = { label: [`platform.node-gc=${instance}`] };
      expect(await sandbox.docker.listServices({ filters: label })).toEqual([]);
      expect(await sandbox.docker.listConfigs({ filters: label })).toEqual([]);
    });

    it('reports a node whose task could not run, and one that did not answer in time; removes the job either way', async () => {
      const stack = (await worker.listImages()).flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith(`${sandbox.registry}/platform/stack:`))!;
      const base = { docker: sandbox.docker, instance, image: stack, kept: new Map([[appId, ['b1']]]), notAfter: new Date(), pollMs: 200 };
      const label = { label: [`platform.node-gc=${instance}`] };

      // No socket there: Swarm rejects the task (its mount fails); the node is reported with Swarm's reason.
      const rejected = await collectNodeImages({ ...base, socket: '/run/platform-swarm-nodes/no-such-node.sock' });
      expect(rejected.nodes).toHaveLength(1);
      expect(rejected.nodes[0]).toMatchObject({ node: sandbox.worker.hostname, removed: [] });
      expect(rejected.nodes[0]!.errors.join()).toMatch(/job task (rejected|failed)/);
      expect(await sandbox.docker.listServices({ filters: label })).toEqual([]);

      // No time to wait: the worker is reported skipped, and the job is removed all the same.
      const late = await collectNodeImages({ ...base, socket: sandbox.nodeSocket, timeoutMs: 1 });
      expect(late.nodes).toEqual([]);
      expect(late.skipped).toEqual([{ node: sandbox.worker.hostname, reason: 'no answer within 1 ms' }]);
      expect(await sandbox.docker.listServices({ filters: label })).toEqual([]);
      expect(await sandbox.docker.listConfigs({ filters: label })).toEqual([]);
    });
  },
);
