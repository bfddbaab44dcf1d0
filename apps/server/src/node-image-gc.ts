import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { BuildRecord } from '@platform/store-postgres';
import { pushReleaseImage } from '@platform/builder-docker';
import { collectNodeImages, type NodeImageReport, type RegistryClient } from '@platform/runtime-swarm';
import { registryPlace } from './registry-gc.ts';

export interface NodeCollectorOptions {
  /** The manager's engine (builds run there; it holds the stack image). */
  docker: Docker;
  /** The registry as nodes name it, and its API. */
  registry: { host: string; client: RegistryClient };
  /** The stack image (`platform/stack:<tag>`): pushed to the registry once, the job runs on it. */
  stackImage: string;
  instance: string;
  /** Each node's Docker socket (PLATFORM_SWARM_NODE_SOCKET). */
  socket: string;
  logger: Logger;
  /** How long a collection waits for the nodes (ms; default 120 000). */
  timeoutMs?: number | undefined;
}

/** Per app id, its builds and the ids of those whose images may go (what the image GC computed). */
export type RemovableBuilds = ReadonlyMap<string, { builds: readonly BuildRecord[]; removable: ReadonlySet<string> }>;

/**
 * Swarm mode: the image GC's keep-N rule on the nodes platformd cannot reach, through runtime-swarm's
 * `collectNodeImages` (a global job on the stack image, which is pushed to the registry when it is not there).
 * Each app's kept builds are those its rule does not let go; images created after `notAfter` (the store read)
 * stay. Failures are logged and give no reports: the next collection tries again.
 *
 *   const collectOnNodes = createNodeCollector({ docker, registry, stackImage, instance, socket, logger });
 *   const reports = await collectOnNodes(byApp, readAt);   // [{ node: 'worker-1', removed: [refs], … }]
 */
export function createNodeCollector(options: NodeCollectorOptions) {
  const { docker, registry, stackImage, logger } = options;
  const image = `${registry.host}/${stackImage}`;

  async function ensureStackInRegistry(): Promise<void> {
    const place = registryPlace(stackImage);
    const there = place ? await registry.client.digestOf(place.repository, place.tag).catch(() => null) : null;
    if (!there) await pushReleaseImage({ docker, image: stackImage, registry: registry.host });
  }

  return async function collectOnNodes(byApp: RemovableBuilds, notAfter: Date): Promise<NodeImageReport[]> {
    const kept = new Map<string, string[]>();
    for (const [appId, { builds, removable }] of byApp) kept.set(appId, builds.filter((b) => !removable.has(b.id)).map((b) => b.id));
    try {
      await ensureStackInRegistry();
      const result = await collectNodeImages({ docker, instance: options.instance, image, kept, notAfter, socket: options.socket, timeoutMs: options.timeoutMs, logger });
      for (const s of result.skipped) logger.info(s, 'node left out of the release image collection');
      for (const r of result.nodes) if (r.errors.length > 0) logger.warn(r, 'release image collection on a node had errors');
      return result.nodes;
    } catch (err) {
      logger.warn({ err }, 'could not collect release images on the swarm nodes');
      return [];
    }
  };
}
