import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PlatformError } from '@platform/types';
import { processStartTime } from '@platform/runtime-process';

/** The lock file's content: who holds the data dir. */
interface Holder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, names one process even after pids are reused. */
  startTime: string | null;
}

/**
 * One platformd per data dir: takes `<dataDir>/platformd.lock` (created exclusively, holding this process's pid
 * and start time) before anything else touches the data dir, and keeps it for the server's lifetime. A second
 * platformd on the same data dir fails with PLT_DATA_DIR_LOCKED naming the holder's pid, and changes nothing
 * (it never reaches the embedded Postgres or the dynos of the running one). A lock whose holder is gone (a kill -9)
 * is taken over. Resolves `release()`, which removes the lock if it is still ours.
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'platformd.lock');
  const mine: Holder = { pid: process.pid, startTime: await processStartTime(process.pid) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, JSON.stringify(mine) + '\n', { flag: 'wx', mode: 0o600 });
      return {
        async release() {
          const current = await readFile(file, 'utf8').catch(() => '');
          if (current.trim() === JSON.stringify(mine)) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(await readFile(file, 'utf8')) as Holder;
    } catch {
      // unreadable or half-written: treated as stale below only if it stays so
    }
    if (holder && Number.isInteger(holder.pid) && holder.pid > 0 && (await processStartTime(holder.pid)) === holder.startTime && holder.startTime !== null) {
      throw new PlatformError(
        'PLT_DATA_DIR_LOCKED',
        `Another platformd (pid ${holder.pid}) is using the data directory ${dataDir}; stop it first, or give this one another PLATFORM_DATA_DIR.`,
        { details: { pid: holder.pid, dataDir } },
      );
    }
    await rm(file, { force: true }); // its holder is gone: take it over
  }
  throw new PlatformError('PLT_DATA_DIR_LOCKED', `Could not lock the data directory ${dataDir}; another platformd may be starting. Retry.`);
}
