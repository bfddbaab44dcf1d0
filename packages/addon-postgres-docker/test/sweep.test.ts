import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonObjects } from '../src/index.ts';
import { requireEngine, testProvider } from './support.ts';

describe('sweeping orphaned add-on containers at start-up', () => {
  let docker: Docker;
  let t: Awaited<ReturnType<typeof testProvider>>;
  const addon = { addonId: randomUUID(), plan: 'dev', appId: randomUUID() };

  beforeAll(async () => {
    docker = await requireEngine();
    t = await testProvider(docker);
    await t.provider.provision(addon);
  }, 180_000);
  afterAll(async () => {
    await t?.provider.deprovision(addon).catch(() => undefined);
    await t?.cleanup();
  });

  it("keeps a live add-on's container, removes one whose add-on is gone with its volume and password", async () => {
    const names = addonObjects(addon.addonId);
    expect(await t.provider.sweep(new Set([addon.addonId]))).toEqual([]);
    expect(await t.provider.status(addon)).toBe('available');

    expect(await t.provider.sweep(new Set())).toEqual([addon.addonId]);
    expect(await t.provider.status(addon)).toBe('missing');
    await expect(docker.getVolume(names.volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await readdir(t.secretsDir)).toEqual([]);
  });
});
