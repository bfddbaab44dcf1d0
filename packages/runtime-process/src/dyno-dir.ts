import { createReadStream } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { extractTar } from '@platform/archive';
import type { UnixUser } from '@platform/sandbox';
import { assertTraversable } from './reachable.ts';

/**
 * Makes `dynosDir` (once; 0711: an unprivileged dyno can reach its own dir by name but cannot list the others)
 * and, with `runAs`, checks that user can traverse its ancestors. A failed check is retried on the next call
 * (the operator may have fixed the permissions). Throws PLT_RUNTIME_UNAVAILABLE naming the directory it cannot cross.
 */
export function createDynosDirGate(dynosDir: string): (runAs: UnixUser | null) => Promise<void> {
  let dirReady: Promise<void> | null = null;
  return (runAs) => {
    dirReady ??= (async () => {
      await mkdir(dynosDir, { recursive: true });
      await chmod(dynosDir, 0o711);
      if (runAs) await assertTraversable(dynosDir, runAs);
    })();
    dirReady.catch(() => (dirReady = null));
    return dirReady;
  };
}

export interface DynoDirOptions {
  slugPath: string;
  /** Owner of the dir and every extracted entry; null = the server's user. */
  runAs: UnixUser | null;
  maxSlugBytes?: number | undefined;
  maxSlugEntries?: number | undefined;
}

/**
 * Creates `dir` and `dir/app` (0700, owned by `runAs`) and extracts the slug into `app/` (contained extraction:
 * PLT_UNSAFE_ARCHIVE for an entry that climbs out, links or devices). Returns the app dir. On failure the
 * caller removes `dir`.
 */
export async function prepareDynoDir(dir: string, options: DynoDirOptions): Promise<string> {
  const { runAs } = options;
  const appDir = join(dir, 'app');
  await mkdir(dir, { mode: 0o700 });
  await mkdir(appDir, { mode: 0o700 });
  await extractTar(createReadStream(options.slugPath), appDir, {
    maxBytes: options.maxSlugBytes,
    maxEntries: options.maxSlugEntries,
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  if (runAs) {
    await chown(dir, runAs.uid, runAs.gid);
    await chown(appDir, runAs.uid, runAs.gid);
  }
  return appDir;
}
