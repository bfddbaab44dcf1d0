import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { groupHasLiveMembers, signalGroup } from './process-group.ts';

/**
 * Process dynos cannot be adopted after the server dies, but they can outlive it (each runs in its own
 * process group). The runtime records every dyno's group in a root-only registry, keyed by the leader's
 * pid and kernel start time, and the next server start kills what is left. The start time guards against
 * pid reuse: a record only matches the very process that was started.
 */
export interface OrphanRecord {
  pgid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot). */
  startTime: string;
}

/**
 * A process's start time (field 22 of /proc/<pid>/stat, clock ticks since boot), or null when it is gone. With
 * the pid it names one process, even after the pid is reused.
 */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export async function recordDyno(registryDir: string, id: string, pgid: number): Promise<void> {
  const startTime = await processStartTime(pgid);
  if (startTime === null) return;
  await mkdir(registryDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(registryDir, `${id}.json`), JSON.stringify({ pgid, startTime } satisfies OrphanRecord), { mode: 0o600 });
}

export async function forgetDyno(registryDir: string, id: string): Promise<void> {
  await rm(path.join(registryDir, `${id}.json`), { force: true });
}

/**
 * Kills the process groups of dynos a previous server left running, all at once, then waits (bounded, 5 s)
 * until none of them has a live member, so a new dyno never races an old one for its port or files.
 * Returns how many it killed.
 */
export async function sweepOrphanedDynos(registryDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(registryDir);
  } catch {
    return 0;
  }
  const killed: number[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = path.join(registryDir, name);
    try {
      const record = JSON.parse(await readFile(file, 'utf8')) as OrphanRecord;
      if (Number.isInteger(record.pgid) && record.pgid > 1 && (await processStartTime(record.pgid)) === record.startTime) {
        signalGroup(record.pgid, 'SIGKILL');
        killed.push(record.pgid);
      }
    } catch {
      /* unreadable record: drop it */
    }
    await rm(file, { force: true });
  }
  for (let i = 0; i < 100 && killed.some((pgid) => groupHasLiveMembers(pgid)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return killed.length;
}
