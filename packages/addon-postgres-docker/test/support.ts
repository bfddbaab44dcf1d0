import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createDockerPostgresProvider, type DockerPostgresProvider } from '../src/index.ts';

/** The PostgreSQL image the tests run (scripts/build-postgres-image.sh builds it). */
export const POSTGRES_IMAGE = 'platform/postgres:15-bookworm-1';

/** A Docker client; fails (never skips) with the fix when the engine or the image is missing. */
export async function requireEngine(): Promise<Docker> {
  const docker = new Docker();
  const fix = 'Run `bash scripts/install-docker.sh` and `bash scripts/build-postgres-image.sh` from the repository root.';
  await docker.ping().catch((err: unknown) => {
    throw new Error(`These tests need a Docker engine (${String(err)}). ${fix}`);
  });
  await docker.getImage(POSTGRES_IMAGE).inspect().catch(() => {
    throw new Error(`These tests need the image ${POSTGRES_IMAGE}. ${fix}`);
  });
  return docker;
}

/**
 * A provider on a real engine for one test file, with a bridge network per app id (what the docker runtime
 * gives each app), its own instance id and secrets dir; `cleanup` removes the networks and the dir (the test
 * deprovisions its add-ons first).
 */
export async function testProvider(docker: Docker): Promise<{
  provider: DockerPostgresProvider;
  instance: string;
  secretsDir: string;
  networkFor(appId: string): Promise<string>;
  cleanup(): Promise<void>;
}> {
  const instance = `test-${randomBytes(6).toString('hex')}`;
  const root = await mkdtemp(join(tmpdir(), 'addon-postgres-docker-'));
  await chmod(root, 0o700);
  const networks = new Map<string, Promise<string>>();
  const networkFor = (appId: string) => {
    let p = networks.get(appId);
    if (!p) {
      const name = `platform-test-addon-${randomBytes(6).toString('hex')}`;
      p = docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { 'platform.test': instance, 'platform.app-id': appId } }).then(() => name);
      networks.set(appId, p);
    }
    return p;
  };
  const secretsDir = join(root, 'secrets');
  const provider = createDockerPostgresProvider({ docker, instance, image: POSTGRES_IMAGE, secretsDir, networkFor });
  return {
    provider,
    instance,
    secretsDir,
    networkFor,
    async cleanup() {
      await provider.close();
      for (const p of networks.values()) {
        const name = await p.catch(() => null);
        if (name) await docker.getNetwork(name).remove().catch(() => undefined);
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
