/**
 * What the contract cannot see about the swarm driver: addresses on the overlay (reached from a container on
 * it, as a router on the swarm would, whichever node runs the dyno), images pulled from the registry, per-app
 * overlays, one-off jobs, the node list (manager and worker) and adoption by the next runtime. One web dyno and a
 * job, on the two-node sandbox swarm.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, DynoSpec, Runtime } from '@platform/types';
import { createSwarmRuntime, listSwarmNodes } from '../src/index.ts';
import { createSwarmFixtures, requireSwarm, STACK_IMAGE } from './swarm-harness.ts';
import { recordRuntime } from '../../../test/contracts/runtime-helpers.ts';

const sandbox = await requireSwarm();
const SERVER = `require('http').createServer((q, r) => r.end('overlay ' + process.env.DYNO)).listen(Number(process.env.PORT));`;

describe.skipIf('skip' in sandbox)(`swarm runtime${'skip' in sandbox ? ` (${sandbox.skip})` : ''}`, () => {
  if ('skip' in sandbox) return;
  const { docker } = sandbox;
  let fixtures: Awaited<ReturnType<typeof createSwarmFixtures>>;
  let runtime: Runtime;
  let artifact: Artifact;
  const appId = randomUUID();
  const spec = (over: Partial<DynoSpec>): DynoSpec => ({
    app: 'swarm-app',
    appId,
    releaseId: randomUUID(),
    releaseVersion: 1,
    type: 'web',
    name: 'web.1',
    command: 'node server.js',
    env: {},
    artifact,
    ...over,
  });
  const make = () =>
    createSwarmRuntime({
      docker,
      instance: fixtures.instance,
      registry: sandbox.registry,
      stopGraceMs: 1_000,
      pollMs: 100,
    });

  beforeAll(async () => {
    fixtures = await createSwarmFixtures(sandbox);
    artifact = await fixtures.makeArtifact({ 'server.js': SERVER }, 'swarm-app');
    // Only the registry has the image now: the node must pull it from there.
    for (const image of fixtures.images) await docker.getImage(image).remove({ force: true });
    runtime = make();
  });

  afterAll(async () => {
    await runtime?.close();
    await fixtures?.cleanup();
  });

  it('runs a web dyno from the registry on its app overlay, reachable at its overlay address from the overlay', async () => {
    const dyno = await runtime.start(spec({}));
    expect(dyno.address.port).toBe(5000);
    const [network] = await docker.listNetworks({ filters: { label: [`platform.app-id=${appId}`] } });
    expect(network).toMatchObject({ Driver: 'overlay', Attachable: true });
    // A one-shot container on the app's overlay plays the router: it asks the dyno's overlay address.
    const probe = `const get = () => require('http').get('http://${dyno.address.host}:5000/', (r) => r.on('data', (d) => { console.log(String(d)); process.exit(0); })).on('error', () => setTimeout(get, 100)); get();`;
    const container = await docker.createContainer({
      Image: STACK_IMAGE,
      Cmd: ['node', '-e', probe],
      Labels: { 'platform.managed': fixtures.instance },
      HostConfig: { NetworkMode: network!.Name },
    });
    await container.start();
    expect(await container.wait()).toMatchObject({ StatusCode: 0 });
    const logs = (await container.logs({ stdout: true, follow: false })) as unknown as Buffer;
    expect(logs.toString('utf8')).toContain('overlay web.1');
    await container.remove({ force: true });

    // `platform nodes`: the manager and the worker, both ready, one of them running this dyno.
    const nodes = await listSwarmNodes(docker, fixtures.instance);
    expect(nodes.map((n) => [n.role, n.state, n.address]).sort()).toEqual([
      ['manager', 'ready', sandbox.nodeAddress],
      ['worker', 'ready', sandbox.worker.address],
    ]);
    expect(nodes.find((n) => n.role === 'worker')?.hostname).toBe(sandbox.worker.hostname);
    expect(nodes.reduce((sum, n) => sum + n.dynos, 0)).toBe(1);

    // Adoption: a new runtime over the same swarm lists the dyno (as platformd after a restart) and stops it.
    await runtime.close();
    runtime = make();
    const rec = recordRuntime(runtime);
    const listed = (await runtime.list({ app: 'swarm-app' })).find((d) => d.id === dyno.id);
    expect(listed).toMatchObject({ name: 'web.1', running: true, address: dyno.address });
    await runtime.stop(dyno.id);
    expect((await rec.waitForExit(dyno.id)).requested).toBe(true);
    expect(await runtime.list({ app: 'swarm-app' })).toEqual([]);
    rec.dispose();
  });

  it('runs a release command as a Swarm job and reports its exit code', async () => {
    const rec = recordRuntime(runtime);
    const dyno = await runtime.start(
      spec({ type: 'release', name: 'release.1', command: 'echo migrating; exit 3' }),
    );
    const service = (await docker.getService(dyno.id).inspect()) as {
      Spec: { Mode: Record<string, unknown> };
    };
    expect(Object.keys(service.Spec.Mode)).toEqual(['ReplicatedJob']);
    expect(await rec.waitForExit(dyno.id)).toMatchObject({ code: 3, requested: false });
    expect(rec.linesOf(dyno.id)).toEqual(['migrating']);
    await runtime.stop(dyno.id);
    rec.dispose();
  });

  it('refuses to start a dyno whose image is in no registry, and leaves no service behind', async () => {
    const missing = { ...artifact, image: `platform/swarm-app:missing-${randomUUID().slice(0, 8)}` };
    await expect(runtime.start(spec({ name: 'web.2', artifact: missing }))).rejects.toMatchObject({
      code: 'PLT_RUNTIME_UNAVAILABLE',
    });
    expect(await runtime.list({ app: 'swarm-app' })).toEqual([]);
  });
});
