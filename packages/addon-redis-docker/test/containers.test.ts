import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_LABEL, addonObjects, createDockerRedisProvider, type DockerRedisProvider } from '../src/index.ts';

const IMAGE = 'platform/redis:7-bookworm-1';

/**
 * What the contract suite cannot see: the container sits on its owning app's network with labels the docker runtime
 * ignores (no `platform.managed`: not a dyno), no secret in `docker inspect`; another app's network is joined and
 * left by connectApp/disconnectApp; a start-up sweep removes the objects of add-ons that no longer exist.
 */
describe('docker Redis add-on containers', () => {
  const docker = new Docker();
  const suffix = randomBytes(4).toString('hex');
  const instance = `test-${suffix}`;
  const owner = randomUUID();
  const other = randomUUID();
  const networks: Record<string, string> = { [owner]: `plt-e2e-redis-own-${suffix}`, [other]: `plt-e2e-redis-oth-${suffix}` };
  const addon = { addonId: randomUUID(), plan: 'dev', appId: owner };
  let secretsDir = '';
  let provider: DockerRedisProvider;
  let url = '';

  beforeAll(async () => {
    await docker.getImage(IMAGE).inspect();
    secretsDir = await mkdtemp(path.join(tmpdir(), 'redis-docker-secrets-'));
    for (const name of Object.values(networks)) await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { [ADDON_LABEL.instance]: instance } });
    provider = createDockerRedisProvider({ docker, image: IMAGE, instance, secretsDir, networkFor: async (appId) => networks[appId] ?? 'none' });
    url = (await provider.provision(addon)).url;
  }, 120_000);
  afterAll(async () => {
    await provider?.deprovision(addon).catch(() => undefined);
    await provider?.close();
    for (const name of Object.values(networks)) await docker.getNetwork(name).remove().catch(() => undefined);
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
  });

  it("runs on the owning app's network only, labelled as an add-on (not a dyno), with no secret in docker inspect", async () => {
    const names = addonObjects(addon.addonId);
    const info = await docker.getContainer(names.container).inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([networks[owner]]);
    expect(info.NetworkSettings.Networks[networks[owner]!]?.Aliases).toContain(names.container);
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    expect(Object.keys(info.Config.Labels ?? {}).filter((k) => k.startsWith('platform.addon.'))).toHaveLength(5);
    expect(info.Config.Labels).not.toHaveProperty('platform.managed');
    expect(info.Config.Labels).toMatchObject({
      [ADDON_LABEL.instance]: instance,
      [ADDON_LABEL.id]: addon.addonId,
      [ADDON_LABEL.appId]: owner,
      [ADDON_LABEL.service]: 'redis',
      [ADDON_LABEL.network]: networks[owner],
    });
    const volume = await docker.getVolume(names.volume).inspect();
    expect(volume.Labels).not.toHaveProperty('platform.managed');
    expect(await readdir(secretsDir)).toEqual([`${names.user}.password`]);
    expect(JSON.stringify(info)).not.toContain(new URL(url).password);
    expect((await stat(secretsDir)).mode & 0o777).toBe(0o700);
  });

  it("joins another app's network under the same alias, and leaves it (never the owner's)", async () => {
    const names = addonObjects(addon.addonId);
    await provider.connectApp(addon, other);
    await provider.connectApp(addon, other); // idempotent
    let info = await docker.getContainer(names.container).inspect();
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([networks[owner], networks[other]].sort());
    expect(info.NetworkSettings.Networks[networks[other]!]?.Aliases).toContain(names.container);
    await provider.disconnectApp(addon, other);
    await provider.disconnectApp(addon, other);
    await provider.disconnectApp(addon, owner);
    info = await docker.getContainer(names.container).inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([networks[owner]]);
    expect(await provider.status(addon)).toBe('available');
  });

  it("keeps a live add-on at a sweep, removes one whose add-on is gone with its volume and password", async () => {
    const names = addonObjects(addon.addonId);
    expect(await provider.sweep(new Set([addon.addonId]))).toEqual([]);
    expect(await provider.status(addon)).toBe('available');
    expect(await provider.sweep(new Set())).toEqual([addon.addonId]);
    expect(await provider.status(addon)).toBe('missing');
    await expect(docker.getVolume(names.volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await readdir(secretsDir)).toEqual([]);
  });
});
