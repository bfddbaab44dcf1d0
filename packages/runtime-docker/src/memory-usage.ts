import type Docker from 'dockerode';
import { isNotFound } from '@platform/docker-kit';

/** The part of the engine's stats answer this reads (cgroup v1 and v2 name the reclaimable cache differently). */
interface MemoryStats {
  usage?: number;
  limit?: number;
  stats?: { inactive_file?: number; total_inactive_file?: number; cache?: number };
}

/**
 * A container's memory use as `docker stats` computes it — usage minus the inactive page cache, which the kernel
 * reclaims before it kills — and its limit, in bytes; one sample (`one-shot`, no 1 s wait). Null when the
 * container is gone, not running, or reports no limit.
 */
export async function memoryUsage(docker: Docker, id: string): Promise<{ usedBytes: number; limitBytes: number } | null> {
  let stats: { memory_stats?: MemoryStats };
  try {
    stats = (await docker.getContainer(id).stats({ stream: false, 'one-shot': true })) as unknown as typeof stats;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const m = stats.memory_stats;
  if (!m?.usage || !m.limit) return null;
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0;
  return { usedBytes: Math.max(0, m.usage - cache), limitBytes: m.limit };
}
