/** The pure part of the swarm driver: what service a dyno spec becomes, and what a task says back. No Docker. */
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import type { DynoSpec } from '@platform/types';
import {
  dynoTask,
  exitOfTask,
  imageReference,
  overlayAddress,
  serviceSpec,
  type ServiceSettings,
  type SwarmTask,
} from '../src/service-spec.ts';

const settings: ServiceSettings = {
  instance: 'i1',
  user: '1000:1000',
  port: 5000,
  size: { memoryMb: 512, pids: 256 },
  stopGraceMs: 30_000,
  addresses: 'overlay',
  registry: '127.0.0.1:5000',
};
const spec: DynoSpec = {
  app: 'shop',
  appId: 'a1',
  releaseId: 'r1',
  releaseVersion: 7,
  type: 'web',
  name: 'web.1',
  command: 'node server.js; echo $SECRET',
  env: { SECRET: "s3cr3t; $(id) 'quoted'" },
  artifact: { slugPath: '/x.tgz', slugChecksum: 'c', image: 'platform/shop:b1' },
};
const containerOf = (s: Docker.CreateServiceOptions) =>
  (s.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;

describe('serviceSpec', () => {
  it("runs an image built from the app's Dockerfile as `docker run` would: its ENTRYPOINT, WORKDIR and HOME kept", () => {
    const dockerfile: DynoSpec = { ...spec, artifact: { image: 'platform/shop:b2', kind: 'dockerfile' } };
    const own = containerOf(serviceSpec({ ...dockerfile, command: '' }, settings, 'net1'));
    expect([own.Command, own.Args, own.Dir]).toEqual([undefined, undefined, undefined]);
    const typed = containerOf(serviceSpec(dockerfile, settings, 'net1'));
    expect([typed.Command, typed.Args, typed.Dir]).toEqual([undefined, ['/bin/sh', '-c', spec.command], undefined]);
    expect(typed.Env!.some((e) => e.startsWith('HOME='))).toBe(false);
    // A slug's release image runs the launch script from /app instead of the image's entrypoint.
    const slug = containerOf(serviceSpec(spec, settings, 'net1'));
    expect([slug.Command![0], slug.Dir, slug.Env!.includes('HOME=/app')]).toEqual(['bash', '/app', true]);
  });

  it('makes one replica Swarm never restarts, from the registry, with the dyno in labels and config only in env', () => {
    const s = serviceSpec(spec, settings, 'net1');
    expect(s.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect((s.TaskTemplate as Docker.ContainerTaskSpec).RestartPolicy).toMatchObject({ Condition: 'none' });
    expect(s.Name).toMatch(/^plt-shop-web-1-[0-9a-f]{8}$/);
    const c = containerOf(s);
    expect(c.Image).toBe('127.0.0.1:5000/platform/shop:b1');
    expect(c).toMatchObject({
      User: '1000:1000',
      Init: true,
      CapabilityDrop: ['ALL'],
      StopGracePeriod: 30_000_000_000,
    });
    expect(c.Env).toEqual(expect.arrayContaining([`SECRET=${spec.env.SECRET}`, 'PORT=5000', 'DYNO=web.1']));
    expect(JSON.stringify(c.Command)).not.toContain('s3cr3t');
    expect(c.Command!.at(-1)).toBe(spec.command);
    expect(s.Labels).toMatchObject({
      'platform.managed': 'i1',
      'platform.dyno': 'web.1',
      'platform.release-version': '7',
    });
    expect(s.EndpointSpec).toEqual({ Mode: 'dnsrr', Ports: [] });
  });

  it('runs one-offs as jobs, and publishes $PORT in host mode only for published addresses', () => {
    expect(serviceSpec({ ...spec, type: 'release', name: 'release.1' }, settings, 'n').Mode).toEqual({
      ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 },
    });
    const published = serviceSpec(spec, { ...settings, addresses: 'published' }, 'n');
    expect(published.EndpointSpec?.Ports).toEqual([
      { Protocol: 'tcp', TargetPort: 5000, PublishMode: 'host' },
    ]);
    expect(published.Labels?.['platform.publish']).toBe('host');
    expect(
      serviceSpec({ ...spec, type: 'run', name: 'run.2' }, { ...settings, addresses: 'published' }, 'n')
        .EndpointSpec?.Ports,
    ).toEqual([]);
  });
});

describe('imageReference', () => {
  it.each([
    ['platform/shop:b1', '127.0.0.1:5000', '127.0.0.1:5000/platform/shop:b1'],
    ['registry.example.com/platform/shop:b1', '127.0.0.1:5000', 'registry.example.com/platform/shop:b1'],
    ['localhost/shop:b1', 'r:5000', 'localhost/shop:b1'],
    ['platform/shop:b1', undefined, 'platform/shop:b1'],
  ])('%s with %s → %s', (image, registry, expected) =>
    expect(imageReference(image, registry)).toBe(expected),
  );
});

describe('tasks', () => {
  const task = (
    over: Partial<SwarmTask> & { state: string; at: string; exit?: number; container?: string },
  ): SwarmTask => ({
    ID: over.at,
    ServiceID: 's',
    CreatedAt: over.at,
    Status: {
      State: over.state,
      ContainerStatus: over.container ? { ContainerID: over.container, ExitCode: over.exit ?? 0 } : {},
    },
    NetworksAttachments: [{ Network: { ID: 'n1', Spec: { Name: 'net1' } }, Addresses: ['203.0.113.5/27'] }],
  });

  it('takes the stopped task, not the replacement that stays pending', () => {
    const stopped = task({ state: 'shutdown', at: '1', exit: 143, container: 'c1' });
    expect(dynoTask([stopped, task({ state: 'pending', at: '2' })])).toBe(stopped);
    expect(exitOfTask(stopped)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(exitOfTask(task({ state: 'failed', at: '3', exit: 3, container: 'c' }))).toEqual({
      code: 3,
      signal: null,
    });
    expect(exitOfTask(undefined)).toEqual({ code: null, signal: null });
  });

  it('reads the overlay address without its prefix length', () => {
    expect(overlayAddress(task({ state: 'running', at: '1' }), 'net1')).toBe('203.0.113.5');
  });
});
