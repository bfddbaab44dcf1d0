import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '@platform/store-postgres';

const SLUG_RE = /^([0-9a-f]{64})\.tgz$/;

/**
 * Removes slugs no build refers to any more: those of destroyed apps, and those a failed build stored before it
 * failed. A slug younger than `minAgeMs` (default 10 min) is kept even when unreferenced: a build in progress
 * stores its slug a moment before its row says so. Slugs of succeeded builds are never removed (any release
 * whose slug exists can be rolled back to). Resolves the removed file names.
 */
export async function collectSlugs(store: Store, slugsDir: string, logger: Logger, options: { minAgeMs?: number; only?: ReadonlySet<string> } = {}): Promise<string[]> {
  const minAgeMs = options.minAgeMs ?? 600_000;
  const { slugs: referenced } = await store.builds.referencedArtifacts();
  const removed: string[] = [];
  for (const name of await readdir(slugsDir).catch(() => [] as string[])) {
    const checksum = SLUG_RE.exec(name)?.[1];
    if (!checksum || referenced.has(checksum)) continue;
    if (options.only && !options.only.has(checksum)) continue;
    const file = path.join(slugsDir, name);
    const info = await stat(file).catch(() => null);
    if (!info || Date.now() - info.mtimeMs < minAgeMs) continue;
    await rm(file, { force: true });
    removed.push(name);
  }
  if (removed.length > 0) logger.info({ removed: removed.length }, 'unreferenced slugs collected');
  return removed;
}
