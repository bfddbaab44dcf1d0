import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePassword } from './names.ts';

/**
 * platformd's own passwords of add-on servers (a PostgreSQL container's superuser, a Redis container's admin
 * user), one 0600 file per add-on (`<dir>/<addon_hex>.password`, the directory 0700): the platform keeps them,
 * apps never see them. A restarted platformd reads them back to manage the containers it adopts. Kept per add-on
 * rather than derived from the platform's key, so rotating that key never locks platformd out of a running server.
 */
export interface KeptPasswords {
  /** The add-on's password, or null when none is kept. */
  read(resource: string): Promise<string | null>;
  /** The kept password, or a new random one written first. */
  ensure(resource: string): Promise<string>;
  /** Forgets it (the add-on is gone). */
  remove(resource: string): Promise<void>;
}

/** Passwords kept in `dir` (created 0700 when missing). Names are `addon_<32 hex>` (`addonResourceName`); others throw. */
export function createKeptPasswords(dir: string): KeptPasswords {
  const file = (resource: string) => {
    if (!/^addon_[0-9a-f]{32}$/.test(resource)) throw new Error(`refusing an unexpected add-on name ${JSON.stringify(resource)}`);
    return path.join(dir, `${resource}.password`);
  };
  const read = async (resource: string) => {
    const text = await readFile(file(resource), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    const password = text?.trim() ?? '';
    return password === '' ? null : password;
  };
  return {
    read,
    async ensure(resource) {
      const kept = await read(resource);
      if (kept) return kept;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const password = generatePassword();
      await writeFile(file(resource), `${password}\n`, { mode: 0o600 });
      return password;
    },
    async remove(resource) {
      await rm(file(resource), { force: true });
    },
  };
}
