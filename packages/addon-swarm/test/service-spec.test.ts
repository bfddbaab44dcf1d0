import { describe, expect, it } from 'vitest';
import { registryImage, swarmAddonObjects, swarmAddonServiceSpec, redisServerArgs } from '../src/index.ts';
import { REDIS_PLANS } from '@platform/addon-kit';
import type Docker from 'dockerode';

const addonId = '0b5f3c1e-8a9d-4f6b-9c2d-1e2f3a4b5c6d';
const placement = {
  service: 'postgresql' as const,
  addonId,
  appId: '11111111-2222-4333-8444-555555555555',
  instance: 'inst',
  image: '127.0.0.1:5000/platform/postgres:15-bookworm-1',
  network: 'platform-app-abc',
  nodeId: 'node-1',
  memoryBytes: 512 * 1024 * 1024,
};

describe('swarm add-on services', () => {
  it('names every object after the add-on id, as the docker providers do', () => {
    expect(swarmAddonObjects('postgresql', addonId)).toEqual({
      resource: 'addon_0b5f3c1e8a9d4f6b9c2d1e2f3a4b5c6d',
      service: 'platform-addon-0b5f3c1e8a9d4f6b9c2d1e2f3a4b5c6d',
      volume: 'platform-addon-0b5f3c1e8a9d4f6b9c2d1e2f3a4b5c6d-data',
      secret: 'platform-addon-0b5f3c1e8a9d4f6b9c2d1e2f3a4b5c6d-superuser',
    });
    expect(swarmAddonObjects('redis', addonId).service).toBe('platform-redis-0b5f3c1e8a9d4f6b9c2d1e2f3a4b5c6d');
    expect(() => swarmAddonObjects('redis', '../x')).toThrow(/Not an add-on id/);
  });

  it('pins one replica to its volume node, on the app overlay only, nothing published, the password only as a secret file', () => {
    const spec = swarmAddonServiceSpec(
      placement,
      { env: ['POSTGRES_PASSWORD_FILE=/run/secrets/s'], dataDir: '/var/lib/postgresql/data', secretFile: { name: 's', uid: 101, gid: 103 } },
      { id: 'sec-1', name: 's' },
    );
    const task = spec.TaskTemplate as Docker.ContainerTaskSpec;
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(task.Placement?.Constraints).toEqual(['node.id==node-1']);
    expect(task.Networks).toEqual([{ Target: 'platform-app-abc' }]);
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr', Ports: [] });
    expect(task.RestartPolicy?.Condition).toBe('any');
    expect(task.ContainerSpec?.Mounts?.[0]).toMatchObject({ Type: 'volume', Source: 'platform-addon-0b5f3c1e8a9d4f6b9c2d1e2f3a4b5c6d-data' });
    expect(task.ContainerSpec?.Secrets).toEqual([{ SecretID: 'sec-1', SecretName: 's', File: { Name: 's', UID: '101', GID: '103', Mode: 0o400 } }]);
    expect(spec.Labels).toMatchObject({ 'platform.addon.id': addonId, 'platform.addon.node': 'node-1', 'platform.addon.service': 'postgresql' });
    expect(Object.keys(spec.Labels ?? {}).some((k) => k.startsWith('platform.managed'))).toBe(false);
  });

  it('gives redis-server its settings as arguments, with nothing secret', () => {
    const args = redisServerArgs(REDIS_PLANS.dev!);
    expect(args).toEqual(expect.arrayContaining(['--aclfile', '/data/users.acl', '--appendonly', 'yes', '--maxmemory', '64mb']));
    expect(args.join(' ')).not.toMatch(/requirepass|#[0-9a-f]{64}/);
  });

  it('names the image as the nodes pull it from the registry', () => {
    expect(registryImage('platform/postgres:15-bookworm-1', '127.0.0.1:5000')).toBe('127.0.0.1:5000/platform/postgres:15-bookworm-1');
    expect(registryImage('127.0.0.1:5000/platform/redis:7', '127.0.0.1:5000')).toBe('127.0.0.1:5000/platform/redis:7');
    expect(registryImage('platform/redis:7', undefined)).toBe('platform/redis:7');
  });
});
