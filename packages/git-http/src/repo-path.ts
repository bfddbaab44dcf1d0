import path from 'node:path';
import { APP_NAME_RE } from '@platform/types';

/** `<name>.git` with an allow-listed app name, or null. Never cleaned, only validated. */
export function parseRepoParam(repo: unknown): string | null {
  if (typeof repo !== 'string' || !repo.endsWith('.git')) return null;
  const name = repo.slice(0, -'.git'.length);
  return APP_NAME_RE.test(name) ? name : null;
}

/** True when `child` is `root` itself or lies below it (both resolved first). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function repoDirFor(reposDir: string, app: string): string {
  const root = path.resolve(reposDir);
  const dir = path.join(root, `${app}.git`);
  // Belt and braces: the name is already allow-listed, so this cannot fail.
  if (!isInside(root, dir) || dir === root) throw new Error('repo path escapes reposDir');
  return dir;
}
