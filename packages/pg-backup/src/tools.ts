import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';

/** The PostgreSQL client programs a backup runs: absolute paths, so no PATH lookup decides which one runs. */
export interface PgTools {
  pgDump: string;
  pgRestore: string;
  /** The directory both came from, for messages. */
  dir: string;
}

/** Where Debian's postgresql-client-N puts its programs (`/usr/lib/postgresql/N/bin`). */
const DEBIAN_ROOT = '/usr/lib/postgresql';
/** Last resort: the usual places of a `pg_dump` on PATH (Debian's wrapper in /usr/bin picks a version itself). */
const FALLBACK_DIRS = ['/usr/local/bin', '/usr/bin'];

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function toolsIn(dir: string): Promise<PgTools | null> {
  const pgDump = path.join(dir, 'pg_dump');
  const pgRestore = path.join(dir, 'pg_restore');
  return (await executable(pgDump)) && (await executable(pgRestore)) ? { pgDump, pgRestore, dir } : null;
}

/**
 * Finds `pg_dump` and `pg_restore`: in `binDir` when one is configured (PLATFORM_PG_BIN_DIR), else the newest
 * `/usr/lib/postgresql/<major>/bin` that has both (pg_dump dumps servers of its own major version and older ones,
 * never newer: the newest client serves the most servers), else `/usr/local/bin` or `/usr/bin`. Null when none.
 *
 *   const tools = await findPgTools(); // { pgDump: '/usr/lib/postgresql/15/bin/pg_dump', … }
 */
export async function findPgTools(binDir?: string | null): Promise<PgTools | null> {
  if (binDir) return toolsIn(binDir);
  const majors = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  const newestFirst = majors.filter((m) => /^\d+(\.\d+)?$/.test(m)).sort((a, b) => Number(b) - Number(a));
  for (const dir of [...newestFirst.map((m) => path.join(DEBIAN_ROOT, m, 'bin')), ...FALLBACK_DIRS]) {
    const found = await toolsIn(dir);
    if (found) return found;
  }
  return null;
}
