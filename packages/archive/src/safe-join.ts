import path from 'node:path';
import { PlatformError, ErrorCodes } from '@platform/types';

/** True when `candidate` (absolute, normalised) is `root` or lies below it. */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  // A name like `..foo` is inside; only a whole `..` component leaves.
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/**
 * `path.resolve(root, ...parts)` that refuses to leave `root`.
 *
 *   safeJoin('/srv/slugs', `${sha}.tgz`)      // '/srv/slugs/<sha>.tgz'
 *   safeJoin('/srv/slugs', '../etc/passwd')    // throws PLT_UNSAFE_PATH
 *
 * Textual only: it does not resolve symlinks (callers that write must not follow them).
 */
export function safeJoin(root: string, ...parts: string[]): string {
  const base = path.resolve(root);
  for (const part of parts) {
    if (part.includes('\0')) {
      throw new PlatformError(ErrorCodes.unsafePath, 'Path contains a NUL byte.', {
        details: { root: base },
      });
    }
  }
  const result = path.resolve(base, ...parts);
  if (!isInside(base, result)) {
    throw new PlatformError(ErrorCodes.unsafePath, `Path escapes its root: ${parts.join('/')}`, {
      details: { root: base },
    });
  }
  return result;
}
