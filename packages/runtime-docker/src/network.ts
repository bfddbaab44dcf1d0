import type Docker from 'dockerode';
import { PlatformError } from '@platform/types';
import type { RuntimeLogger } from '@platform/runtime-kit';
import { dockerError, dockerStatus } from './docker-errors.ts';
import { LABEL } from './dyno-container.ts';

/**
 * Returns a function that makes sure the bridge network `name` exists (created, labelled managed, when missing;
 * a concurrent creation is fine). The first success is remembered; a failure is retried on the next call.
 * Rejects with PLT_RUNTIME_UNAVAILABLE naming the Docker call that failed.
 */
export function createNetworkGate(docker: Docker, name: string, logger?: RuntimeLogger | undefined): () => Promise<void> {
  let networkReady: Promise<void> | null = null;
  return () => {
    networkReady ??= (async () => {
      const found = await docker.listNetworks({ filters: { name: [name] } });
      if (found.some((n) => n.Name === name)) return;
      try {
        await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABEL.managed]: '1' } });
        logger?.info({ network: name }, 'docker network created');
      } catch (err) {
        if (dockerStatus(err) !== 409) throw dockerError(`create network ${name}`, err); // 409: created meanwhile
      }
    })().catch((err) => {
      networkReady = null;
      throw err instanceof PlatformError ? err : dockerError(`inspect network ${name}`, err);
    });
    return networkReady;
  };
}
