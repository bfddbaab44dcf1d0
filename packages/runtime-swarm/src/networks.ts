import type Docker from 'dockerode';
import type { RuntimeLogger } from '@platform/runtime-kit';
import { dockerError, dockerStatus, isNotFound } from '@platform/docker-kit';
import { LABEL, appHash } from './service-spec.ts';

/**
 * How dynos are networked: `per-app` gives each app an attachable overlay of its own (`platform-app-<hash>`,
 * a subnet from the swarm's address pool), `shared` puts every dyno on one overlay. The router must be on the
 * dynos' overlay to reach their addresses (or use `addresses: 'published'`).
 */
export type SwarmNetworking = { mode: 'per-app' } | { mode: 'shared'; name: string };

/** The overlay each app's dynos join. */
export interface SwarmNetworks {
  /** The network's name, created on first use (concurrent calls share one creation; a failed one is retried). */
  forApp(appId: string): Promise<string>;
  /** Removes an app's own overlay (per-app mode), once its dynos are gone. Never throws. */
  forget(appId: string): Promise<void>;
}

/** The overlays of one runtime. Creation failures reject with PLT_RUNTIME_UNAVAILABLE. */
export function createSwarmNetworks(
  docker: Docker,
  networking: SwarmNetworking,
  instance: string,
  logger?: RuntimeLogger,
): SwarmNetworks {
  const pending = new Map<string, Promise<string>>();
  const nameFor = (appId: string) =>
    networking.mode === 'shared' ? networking.name : `platform-app-${appHash(appId)}`;

  async function ensure(name: string, appId: string): Promise<string> {
    try {
      await docker.getNetwork(name).inspect();
      return name;
    } catch (err) {
      if (!isNotFound(err)) throw dockerError(`inspect network ${name}`, err);
    }
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'overlay',
        Attachable: true, // attached one-offs are plain containers on it; so is a router on the swarm
        CheckDuplicate: true,
        Labels: {
          [LABEL.managed]: instance,
          ...(networking.mode === 'per-app' ? { [LABEL.appId]: appId } : {}),
        },
      });
      logger?.info({ network: name }, 'dyno overlay network created');
    } catch (err) {
      if (dockerStatus(err) !== 409) throw dockerError(`create network ${name}`, err); // 409: made meanwhile
    }
    return name;
  }

  return {
    forApp(appId) {
      const name = nameFor(appId);
      let made = pending.get(name);
      if (!made) {
        made = ensure(name, appId);
        pending.set(name, made);
        made.catch(() => pending.delete(name));
      }
      return made;
    },
    async forget(appId) {
      if (networking.mode === 'shared') return;
      const name = nameFor(appId);
      pending.delete(name);
      await docker
        .getNetwork(name)
        .remove()
        .catch((err: unknown) => {
          if (!isNotFound(err)) logger?.warn({ err, network: name }, 'removing an app overlay failed');
        });
    },
  };
}
