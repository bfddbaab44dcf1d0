import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { SwarmAddonOptions } from '../src/index.ts';
import type { SwarmSandbox } from '../../runtime-swarm/test/swarm-harness.ts';

/** The add-on images the tests run (scripts/build-postgres-image.sh, scripts/build-local-image.sh redis). */
export const ADDON_IMAGES = { postgresql: 'platform/postgres:15-bookworm-1', redis: 'platform/redis:7-bookworm-1' } as const;

/**
 * Puts `image` on the sandbox manager's engine, from this machine's engine when it is missing there (`docker save |
 * docker load`, as the sandbox does with the stack image). Fails with the command that builds it.
 */
export async function loadImageOnManager(manager: Docker, image: string, build: string): Promise<void> {
  if (await manager.getImage(image).inspect().then(() => true, () => false)) return;
  const host = new Docker();
  if (!(await host.getImage(image).inspect().then(() => true, () => false))) {
    throw new Error(`The swarm add-on tests need the image ${image}: run \`${build}\` from the repository root.`);
  }
  const tar = await host.getImage(image).get();
  const stream = (await manager.loadImage(tar, { quiet: true })) as NodeJS.ReadableStream;
  await new Promise((resolve, reject) => manager.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(null))));
}

/**
 * What a swarm provider needs for one test file: its own instance id and secrets dir, the sandbox's registry and
 * `overlays` attachable overlays standing in for the apps' (the sandbox has few overlay subnets: by default one for
 * every app; with more, each new app id takes the next, the last one shared by the rest). `cleanup()` removes what
 * the instance left (services, secrets, volumes), the overlays and the dir.
 */
export async function swarmProviderOptions(
  sandbox: SwarmSandbox,
  image: string,
  overlays = 1,
): Promise<{ options: SwarmAddonOptions; networks: string[]; cleanup(): Promise<void> }> {
  const { docker } = sandbox;
  const suffix = randomBytes(4).toString('hex');
  const instance = `test-${suffix}`;
  const networks: string[] = [];
  for (let i = 0; i < overlays; i++) {
    const network = `platform-addons-test-${suffix}-${i}`;
    await docker.createNetwork({ Name: network, Driver: 'overlay', Attachable: true, Labels: { 'platform.addon.instance': instance } });
    networks.push(network);
  }
  const byApp = new Map<string, string>();
  const networkFor = async (appId: string) => {
    if (!byApp.has(appId)) byApp.set(appId, networks[Math.min(byApp.size, networks.length - 1)]!);
    return byApp.get(appId)!;
  };
  const secretsDir = await mkdtemp(join(tmpdir(), 'addon-swarm-secrets-'));
  const filters = { label: [`platform.addon.instance=${instance}`] };
  return {
    options: { docker, instance, image, registry: sandbox.registry, secretsDir, networkFor },
    networks,
    async cleanup() {
      for (const s of await docker.listServices({ filters })) await docker.getService(s.ID).remove().catch(() => undefined);
      for (let attempt = 0; attempt < 60; attempt++) {
        const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
        const secrets = await docker.listSecrets({ filters });
        const left = await docker.listNetworks({ filters });
        if (volumes.length + secrets.length + left.length === 0) break;
        await Promise.all([
          ...volumes.map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)),
          ...secrets.map((s) => docker.getSecret((s as { ID: string }).ID).remove().catch(() => undefined)),
          ...left.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)),
        ]);
        await new Promise((r) => setTimeout(r, 500));
      }
      await rm(secretsDir, { recursive: true, force: true });
    },
  };
}
