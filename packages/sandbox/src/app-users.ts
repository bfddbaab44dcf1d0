import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { UnixUser } from './sandbox.ts';

export interface AppUsersOptions {
  /** JSON file recording which app has which slot (`{"apps":{"<app id>":<slot>}}`), written atomically. */
  file: string;
  /** The first uid (and gid) of the range. Default 200000, above any login or system user. */
  firstUid?: number | undefined;
  /** How many apps the range holds. Default 100000 (uids 200000–399999). */
  slots?: number | undefined;
}

/** Each app's own users: one its dynos run as, another its builds run as. */
export interface AppUsers {
  /** uid = gid = firstUid + 2 × slot. */
  dynoUser(appId: string): Promise<UnixUser>;
  /** uid = gid = firstUid + 2 × slot + 1. */
  buildUser(appId: string): Promise<UnixUser>;
}

/**
 * Gives every app a slot of two Unix ids of its own, kept for the app's lifetime across restarts, so no app's
 * dynos or builds share a uid with another app's: another app's processes, `/proc/<pid>/environ`, and files
 * are out of reach by the kernel's own rules. The ids need no /etc/passwd entry (setpriv takes numbers).
 * Throws PLT_RUNTIME_UNAVAILABLE when the range is full.
 *
 *   const users = createAppUsers({ file: '/var/lib/platform/app-users.json' });
 *   await users.dynoUser(appId) // → { uid: 200004, gid: 200004 }
 */
export function createAppUsers(options: AppUsersOptions): AppUsers {
  const firstUid = options.firstUid ?? 200_000;
  const slots = options.slots ?? 100_000;
  let state: Promise<Record<string, number>> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<Record<string, number>> => {
    try {
      const parsed = JSON.parse(await readFile(options.file, 'utf8')) as { apps?: Record<string, number> };
      return { ...(parsed.apps ?? {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  };

  const slotOf = (appId: string): Promise<number> => {
    const next = queue.then(async () => {
      const apps = await (state ??= load());
      const known = apps[appId];
      if (known !== undefined) return known;
      const used = new Set(Object.values(apps));
      let slot = 0;
      while (used.has(slot)) slot++;
      if (slot >= slots) throw new PlatformError(ErrorCodes.runtimeUnavailable, `No Unix user left for a new app (${slots} slots from uid ${firstUid}).`);
      apps[appId] = slot;
      await mkdir(path.dirname(options.file), { recursive: true, mode: 0o700 });
      const tmp = `${options.file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify({ apps }) + '\n', { mode: 0o600 });
      await rename(tmp, options.file);
      return slot;
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const user = (uid: number): UnixUser => ({ uid, gid: uid });
  return {
    dynoUser: async (appId) => user(firstUid + 2 * (await slotOf(appId))),
    buildUser: async (appId) => user(firstUid + 2 * (await slotOf(appId)) + 1),
  };
}
