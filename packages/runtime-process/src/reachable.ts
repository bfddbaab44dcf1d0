import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCodes, PlatformError } from '@platform/types';

/**
 * Checks that `user` may traverse every ancestor of `dir` (search permission), so that a dyno
 * running as that user can reach its working directory. A mkdtemp() parent (0700, root) is the
 * usual culprit; failing here gives a clear message instead of a dyno that dies with EACCES.
 */
export async function assertTraversable(dir: string, user: { uid: number; gid: number }): Promise<void> {
  for (let current = dirname(dir); ; current = dirname(current)) {
    const st = await stat(current);
    const ok =
      st.uid === user.uid
        ? (st.mode & 0o100) !== 0
        : st.gid === user.gid
          ? (st.mode & 0o010) !== 0
          : (st.mode & 0o001) !== 0;
    if (!ok) {
      throw new PlatformError(
        ErrorCodes.runtimeUnavailable,
        `Dynos run as uid ${user.uid} but cannot traverse ${current}; make it (and its parents) world-searchable (chmod o+x) or choose another dynos directory.`,
        { details: { path: current } },
      );
    }
    if (dirname(current) === current) return;
  }
}
