import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** The platform's directories inside `PLATFORM_DATA_DIR` (see ARCHITECTURE.md, "Data directory"). */
export interface DataDirs {
  root: string;
  repos: string;
  slugs: string;
  cache: string;
  /** Process mode: downloads every app's builds may reuse (`SHARED_CACHE_DIR`; builder-local makes it 1777). */
  sharedCache: string;
  builds: string;
  dynos: string;
  dynoRegistry: string;
}

/**
 * Creates the data directory and its parts with the modes the unprivileged users need: the root 0711
 * (traversable, not listable, by the postgres and dyno users when platformd is root), private parts 0700, and
 * the dynos', builds' and caches' parents 0711 so each dyno or build reaches its own directory below.
 */
export async function prepareDataDirs(dataDir: string): Promise<DataDirs> {
  const dirs: DataDirs = {
    root: dataDir,
    repos: path.join(dataDir, 'repos'),
    slugs: path.join(dataDir, 'slugs'),
    cache: path.join(dataDir, 'cache'),
    sharedCache: path.join(dataDir, 'shared-cache'),
    builds: path.join(dataDir, 'builds'),
    dynos: path.join(dataDir, 'dynos'),
    dynoRegistry: path.join(dataDir, 'dyno-registry'),
  };
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o711);
  for (const dir of [dirs.repos, dirs.slugs, dirs.cache, dirs.builds, dirs.dynos]) await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const dir of [dirs.dynos, dirs.builds, dirs.cache]) await chmod(dir, 0o711);
  return dirs;
}
