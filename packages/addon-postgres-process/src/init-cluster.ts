import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ServerPrograms } from './server-programs.ts';
import type { RunAs } from './run-as.ts';

/** The superuser initdb creates, whose password is kept in `<dir>/postgres.password` (as store-postgres's embedded server). */
export const SUPERUSER = 'platform';

/** The superuser's password, generated once into `<dir>/postgres.password` (0600) and never logged. */
export async function superuserPassword(dir: string): Promise<string> {
  const file = path.join(dir, 'postgres.password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Creates the add-on cluster `<dir>/postgres` with `programs.initdb`: the superuser `platform` (its password
 * through `--pwfile`, a 0600 file removed at once, never argv), `scram-sha-256` authentication, UTF8 and the
 * C.UTF-8 locale (as the docker runtime's add-on image and store-postgres's embedded server), messages in C.
 * initdb works in `<dir>/postgres.init`, renamed into place once complete, so an interrupted initdb never leaves
 * a half-made cluster where the next start would take it for a real one. The `platform` database is created once
 * the server runs (`openDetachedServer`).
 *
 * @throws PLT_DATABASE_UNAVAILABLE when `<dir>/postgres` holds files but no cluster, or initdb fails (its last
 *   output in the message's cause).
 */
export async function initCluster(options: { dir: string; programs: ServerPrograms; runAs: RunAs }): Promise<void> {
  const databaseDir = path.join(options.dir, 'postgres');
  const entries = await readdir(databaseDir).catch(() => null);
  if (entries !== null && entries.length > 0) {
    throw new PlatformError(ErrorCodes.databaseUnavailable, `${databaseDir} holds files but no PostgreSQL cluster (no PG_VERSION), so initdb cannot create one there.`, {
      details: { path: databaseDir, entries: entries.slice(0, 10) },
    });
  }
  const password = await superuserPassword(options.dir);
  const { uid, gid } = options.runAs;
  const staging = `${databaseDir}.init`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  const pwfile = path.join(options.dir, 'postgres.pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (uid !== undefined && gid !== undefined) {
      await chown(staging, uid, gid);
      await chown(pwfile, uid, gid);
    }
    const args = ['-D', staging, '-U', SUPERUSER, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--lc-messages=C'];
    await promisify(execFile)(options.programs.initdb, args, { env: { LC_ALL: 'C' }, cwd: '/', uid, gid, maxBuffer: 4 * 1024 * 1024 }).catch((err: unknown) => {
      const e = err as { code?: unknown; stdout?: string; stderr?: string };
      const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-10).join(' | ');
      throw new PlatformError(ErrorCodes.databaseUnavailable, `initdb (PostgreSQL ${options.programs.major}, ${options.programs.dir}) could not create the cluster of add-ons in ${databaseDir}.`, {
        cause: new Error(`initdb exited with ${String(e.code)}; its last output: ${tail}`),
      });
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(pwfile, { force: true });
  }
  if (entries !== null) await rmdir(databaseDir);
  await rename(staging, databaseDir);
}
